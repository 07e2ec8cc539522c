export function AuditView(_props: { query: URLSearchParams }) {
  return <h1>AuditView</h1>;
}
