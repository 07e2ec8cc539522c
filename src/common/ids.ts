import { randomFillSync } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 24;

/**
 * Random bytes are drawn from the CSPRNG a few kilobytes at a time and each
 * used once (as crypto.randomUUID does): one call into the CSPRNG per id
 * cost more than the rest of building it.
 */
const pool = new Uint8Array(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++];
}

/**
 * `length` base62 characters drawn uniformly (rejection sampling), so 24
 * characters carry about 142 random bits.
 */
export function randomBase62(length: number = ID_LENGTH): string {
  let out = '';
  while (out.length < length) {
    const b = randomByte() & 0x3f;
    if (b < 62) out += BASE62[b];
  }
  return out;
}

const BASE36_TIME_DIGITS = 9;

/**
 * An id that sorts by the time it was made: the milliseconds since 1970 in 9
 * lowercase base36 digits (enough until the year 5138), then 15 random base62
 * characters (about 89 bits). Same length and alphabet as a random id.
 *
 * The ids of rows written on every create (environments, events, and the
 * history entries named after their event) key B-tree indexes: random keys
 * land on a random leaf page each, so every write dirtied a page of each such
 * index (more bytes per commit into the WAL, more fsync) and left the pages
 * about two thirds full. Keys that grow with time append at the right edge,
 * where the writes of a batch share pages and pages fill. The prefix uses only
 * digits and lowercase letters so that it sorts by time under any collation,
 * not only byte order.
 */
export function timeOrderedId(now: number = Date.now()): string {
  return now.toString(36).padStart(BASE36_TIME_DIGITS, '0') + randomBase62(ID_LENGTH - BASE36_TIME_DIGITS);
}

export const newEnvironmentId = (): string => `env_${timeOrderedId()}`;
export const newEventId = (): string => timeOrderedId();
export const newApiKeyId = (): string => `apikey_${randomBase62()}`;
export const newOrganizationId = (): string => `org_${randomBase62()}`;
export const newRequestId = (): string => `req_${randomBase62()}`;
export const newApiKeySecret = (): string => `sk-sb-${randomBase62(40)}`;

/** The audit version id is derived from the event id, so a rebuild reproduces it. */
export const versionIdForEvent = (eventId: string): string => `envver_${eventId}`;
