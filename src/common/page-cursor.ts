import { ApiError } from './api-error';

/**
 * Opaque keyset cursors: `page_` + base64url of a small JSON position, e.g.
 * `{"c":"<created_at>","i":"<id>"}`. Each listing names the fields its position
 * has and their kinds; anything else (malformed, truncated, tampered) is a
 * 400, never a 500.
 */
export type FieldKind = 'timestamp' | 'id' | 'int' | 'int32';
export type Position<S extends Record<string, FieldKind>> = {
  [K in keyof S]: S[K] extends 'int' | 'int32' ? number : string;
};

const PREFIX = 'page_';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[A-Za-z0-9_]{1,128}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 512;
/** The largest value of an `integer` column (environment versions) on both databases. */
const MAX_INT32 = 2 ** 31 - 1;
/** Instants accepted in cursors and filters: years 1000-9999 (PostgreSQL has no year 0). */
const EARLIEST = Date.parse('1000-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * True for an RFC 3339-style instant that names a real calendar date and time
 * (Date.parse rolls 2026-02-30 over to March) within what both databases store.
 */
export function isStorableInstant(value: string): boolean {
  const time = Date.parse(value);
  if (Number.isNaN(time) || time < EARLIEST || time > LATEST) return false;
  const fields = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (!fields) return false;
  const [y, mo, d, h, mi, sec] = fields.slice(1).map(Number);
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  return (
    local.getUTCFullYear() === y &&
    local.getUTCMonth() === mo - 1 &&
    local.getUTCDate() === d &&
    local.getUTCHours() === h &&
    local.getUTCMinutes() === mi &&
    local.getUTCSeconds() === sec
  );
}

/**
 * True for `YYYY-MM-DDTHH:MM:SS.mmmZ` text (already matched) that is exactly
 * how the instant it names prints, within the storable range: one parse and
 * one print (a date that rolls over, 2026-02-30, prints otherwise). Cursors
 * are decoded on every page request, so this stays cheap.
 */
function isCanonicalInstant(value: string): boolean {
  const time = Date.parse(value);
  return time >= EARLIEST && time <= LATEST && new Date(time).toISOString() === value;
}

/**
 * A storable instant (see isStorableInstant) as the millisecond timestamp the
 * databases hold. Finer digits are truncated for an upper bound and rounded up
 * for a lower one, so `created_at[gte]=…12.9359Z` does not include `…12.935Z`.
 */
export function millisecondBound(value: string, bound: 'lower' | 'upper'): string {
  const time = Date.parse(value);
  const finer = (/\.\d{3}(\d+)/.exec(value)?.[1] ?? '').replace(/0/g, '') !== '';
  return new Date(Math.min(time + (bound === 'lower' && finer ? 1 : 0), LATEST)).toISOString();
}

export const ENVIRONMENT_PAGE = { c: 'timestamp', i: 'id' } as const;
export type PagePosition = Position<typeof ENVIRONMENT_PAGE>;

export function encodePageCursor(position: Record<string, string | number>): string {
  return PREFIX + Buffer.from(JSON.stringify(position)).toString('base64url');
}

function invalidCursor(): ApiError {
  return ApiError.badRequest('Invalid page cursor: pass back the next_page value of a previous response unchanged');
}

function valid(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP.test(value) && isCanonicalInstant(value);
    case 'id':
      return typeof value === 'string' && ID.test(value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'int32':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_INT32;
  }
}

export function decodePageCursor<S extends Record<string, FieldKind>>(
  cursor: string,
  shape: S = ENVIRONMENT_PAGE as unknown as S,
): Position<S> {
  if (cursor.length > MAX_CURSOR_LENGTH || !cursor.startsWith(PREFIX)) throw invalidCursor();
  const body = cursor.slice(PREFIX.length);
  if (!BASE64URL.test(body)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
  const record = parsed as Record<string, unknown>;
  const keys = Object.keys(shape);
  if (Object.keys(record).length !== keys.length) throw invalidCursor();
  for (const key of keys) if (!valid(shape[key], record[key])) throw invalidCursor();
  return record as Position<S>;
}
