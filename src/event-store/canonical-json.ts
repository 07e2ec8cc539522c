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
  const keys = sortedKeys(record);
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/** Objects with more keys than this are sorted by Array.prototype.sort. */
const INSERTION_SORT_MAX = 24;

/**
 * The object's keys in Array.prototype.sort's default order (UTF-16 code
 * units; keys are strings, and never equal). An event's objects have a few
 * keys each: sorted by insertion in place, they cost about a quarter less
 * than a `sort()` call, which also allocates its own working copy for every
 * object hashed.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  if (keys.length > INSERTION_SORT_MAX) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  return keys;
}
