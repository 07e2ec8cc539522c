/** Normalises database values so SQLite and PostgreSQL rows read the same. */

/** A timestamp column: PostgreSQL returns Date, SQLite the stored RFC 3339 text. */
export function timestampOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  throw new Error(`Expected a timestamp, got ${typeof value}`);
}

export function nullableTimestampOf(value: unknown): string | null {
  return value === null || value === undefined ? null : timestampOf(value);
}

/** A JSON column: jsonb arrives parsed, TEXT as a string. */
export function jsonOf<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
