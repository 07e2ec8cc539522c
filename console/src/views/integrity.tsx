export function IntegrityView(_props: Record<string, never>) {
  return <h1>IntegrityView</h1>;
}
