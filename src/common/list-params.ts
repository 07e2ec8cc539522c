import { ApiError } from './api-error';
import { decodePageCursor, ENVIRONMENT_PAGE, FieldKind, PagePosition, Position } from './page-cursor';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** `limit`: an integer 1-100, default 20; anything else is a 400. */
export function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE_LIMIT;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw)) {
    throw ApiError.badRequest(`limit must be an integer between 1 and ${MAX_PAGE_LIMIT}`);
  }
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw ApiError.badRequest(`limit must be an integer between 1 and ${MAX_PAGE_LIMIT} (got ${limit})`);
  }
  return limit;
}

export function parseBooleanParam(name: string, raw: unknown, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw ApiError.badRequest(`${name} must be true or false`);
}

/** The `page` parameter, decoded against the position shape of the listing. */
export function parsePageParam<S extends Record<string, FieldKind>>(raw: unknown, shape: S): Position<S> | null {
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string') throw ApiError.badRequest('Invalid page cursor: send one page parameter');
  return decodePageCursor(raw, shape);
}

export function parsePageCursor(raw: unknown): PagePosition | null {
  return parsePageParam(raw, ENVIRONMENT_PAGE);
}
