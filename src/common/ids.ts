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

export const newEnvironmentId = (): string => `env_${randomBase62()}`;
export const newEventId = (): string => randomBase62();
export const newApiKeyId = (): string => `apikey_${randomBase62()}`;
export const newOrganizationId = (): string => `org_${randomBase62()}`;
export const newRequestId = (): string => `req_${randomBase62()}`;
export const newApiKeySecret = (): string => `sk-sb-${randomBase62(40)}`;

/** The audit version id is derived from the event id, so a rebuild reproduces it. */
export const versionIdForEvent = (eventId: string): string => `envver_${eventId}`;
