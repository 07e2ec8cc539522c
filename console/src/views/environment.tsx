export function EnvironmentView(_props: { id: string; query: URLSearchParams }) {
  return <h1>EnvironmentView</h1>;
}
