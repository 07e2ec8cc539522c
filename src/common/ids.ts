import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 24;

/**
 * `length` base62 characters drawn uniformly (rejection sampling), so 24
 * characters carry about 142 random bits.
 */
export function randomBase62(length: number = ID_LENGTH): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i] & 0x3f;
      if (b < 62) out += BASE62[b];
    }
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
