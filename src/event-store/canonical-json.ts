/**
 * Canonical JSON for hashing: object keys sorted by UTF-16 code units, no
 * whitespace, and JSON.stringify's escaping of strings and numbers. The same
 * value therefore encodes to the same bytes whether it was read back from
 * SQLite text or from PostgreSQL jsonb (which reorders keys).
 *
 * Built as one string, without an array per object and per array: every
 * event of every command passes through it (the hash chain).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const encoded = JSON.stringify(value);
    if (encoded === undefined) throw new Error(`canonicalJson: ${typeof value} cannot be encoded`);
    return encoded;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole encodes as nothing (as Array.prototype.join does).
      if (i in value) out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}
