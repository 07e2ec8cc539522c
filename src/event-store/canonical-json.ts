/**
 * Canonical JSON for hashing: object keys sorted by UTF-16 code units, no
 * whitespace, and JSON.stringify's escaping of strings and numbers. The same
 * value therefore encodes to the same bytes whether it was read back from
 * SQLite text or from PostgreSQL jsonb (which reorders keys).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const encoded = JSON.stringify(value);
    if (encoded === undefined) throw new Error(`canonicalJson: ${typeof value} cannot be encoded`);
    return encoded;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}
