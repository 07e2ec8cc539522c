import { createPublicKey, KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { CheckpointError, loadPrivateKey, loadPublicKey } from '../../audit/checkpoints';
import { ConfigError, type AppConfig } from '../../config/config';

/** Reads and parses a key file named by `variable`, failing in one sentence that names both. */
function loadKey<K>(path: string, variable: string, parse: (pem: string) => K, kind: string): K {
  if (!existsSync(path)) throw new ConfigError(`${variable}: ${path} does not exist`);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`${variable}: cannot read ${path}${code === 'EISDIR' ? ' (it is a directory)' : `: ${(error as Error).message}`}`);
  }
  try {
    return parse(pem);
  } catch (error) {
    const reason = error instanceof CheckpointError ? error.message : `it is not a PEM ${kind}`;
    throw new ConfigError(`${variable}: ${path}: ${reason}`);
  }
}

export const signingKey = (path: string) => loadKey(path, 'SANDBASE_AUDIT_SIGNING_KEY_FILE', loadPrivateKey, 'Ed25519 private key');

/** The key that checks checkpoint signatures: the public key file, or else the public half of the signing key. */
export function publicKeyFrom(config: AppConfig): KeyObject | undefined {
  if (config.audit.publicKeyFile) {
    return loadKey(config.audit.publicKeyFile, 'SANDBASE_AUDIT_PUBLIC_KEY_FILE', loadPublicKey, 'Ed25519 public key');
  }
  if (config.audit.signingKeyFile) return createPublicKey(signingKey(config.audit.signingKeyFile));
  return undefined;
}
