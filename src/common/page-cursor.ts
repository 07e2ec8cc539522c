import { ApiError } from './api-error';

/** A keyset position: the sort key (`created_at`) and the tie-breaking id of the last item. */
export interface PagePosition {
  c: string;
  i: string;
}

const PREFIX = 'page_';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[A-Za-z0-9_]{1,128}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 512;

export function encodePageCursor(position: PagePosition): string {
  return PREFIX + Buffer.from(JSON.stringify({ c: position.c, i: position.i })).toString('base64url');
}

function invalidCursor(): ApiError {
  return ApiError.badRequest('Invalid page cursor: pass back the next_page value of a previous response unchanged');
}

/** Decodes a cursor; anything malformed, truncated or tampered with is a 400, never a 500. */
export function decodePageCursor(cursor: string): PagePosition {
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
  const { c, i } = parsed as Record<string, unknown>;
  if (typeof c !== 'string' || typeof i !== 'string' || !TIMESTAMP.test(c) || !ID.test(i)) throw invalidCursor();
  if (Number.isNaN(Date.parse(c)) || new Date(c).toISOString() !== c) throw invalidCursor();
  return { c, i };
}
