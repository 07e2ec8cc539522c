import { hash } from 'node:crypto';
import { newApiKeySecret } from '../../common/ids';

/**
 * Only a SHA-256 of each secret is stored; secrets are 40 random base62
 * characters, so no stretching is needed. Hashed on every request that is
 * not answered from the key cache: the one-shot `hash` spares the Hash
 * object createHash builds.
 */
export function hashApiKey(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** A recognisable, non-secret fragment for listings: `sk-sb-...wxyz`. */
export function hintFor(secret: string): string {
  return `sk-sb-...${secret.slice(-4)}`;
}

/** A new secret, and what is stored of it. */
export function newSecret(secret: string = newApiKeySecret()): { secret: string; key_hash: string; key_hint: string } {
  return { secret, key_hash: hashApiKey(secret), key_hint: hintFor(secret) };
}
