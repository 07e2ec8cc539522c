import { createHash } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { canonicalJson } from '../event-store/canonical-json';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** By default, a claim older than this belongs to a request whose process died: another request may take it over. */
export const CLAIM_LEASE_MS = 60_000;

const PRINTABLE_ASCII = /^[\x20-\x7e]{1,255}$/;

/** The header's value: 1 to 255 printable ASCII characters (a 400 otherwise). */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !PRINTABLE_ASCII.test(raw)) {
    throw ApiError.badRequest('Idempotency-Key must be 1 to 255 printable ASCII characters, sent once');
  }
  return raw;
}

/**
 * What makes two requests "the same request": method, path (with its query)
 * and body compared after JSON parsing (key order and whitespace do not
 * matter), as a SHA-256 of a canonical encoding.
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  const encoded = canonicalJson({ method: method.toUpperCase(), url, body: body === undefined ? null : body });
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}

export interface StoredRecord {
  request_hash: string;
  state: 'running' | 'completed';
  claim_token: string;
  status: number | null;
  response: string | null;
  claimed_at: string;
  expires_at: string;
}

export type ClaimDecision =
  | { kind: 'take_over' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'in_use' }
  | { kind: 'mismatch' };

/**
 * What a request with an Idempotency-Key does when a record for its key
 * exists: an expired record, or a running one whose lease ran out (its
 * process died), is taken over; another request's key is a 422; a finished
 * request's answer is replayed; a running one is a 409.
 */
export function decideClaim(existing: StoredRecord, requestHash: string, now: string, leaseMs: number = CLAIM_LEASE_MS): ClaimDecision {
  const nowMs = Date.parse(now);
  if (Date.parse(existing.expires_at) <= nowMs) return { kind: 'take_over' };
  if (existing.request_hash !== requestHash) return { kind: 'mismatch' };
  if (existing.state === 'completed' && existing.status !== null && existing.response !== null) {
    return { kind: 'replay', status: existing.status, body: JSON.parse(existing.response) as unknown };
  }
  if (Date.parse(existing.claimed_at) + leaseMs <= nowMs) return { kind: 'take_over' };
  return { kind: 'in_use' };
}

/** Which failed answers are stored for replay: 4xx but 409 (a concurrent duplicate or conflict may resolve) and 429; never 5xx. */
export function isStoredFailure(status: number): boolean {
  return status >= 400 && status < 500 && status !== 409 && status !== 429;
}
