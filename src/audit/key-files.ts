import { createPublicKey, KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CheckpointError, loadPrivateKey, loadPublicKey } from './checkpoints';
import { ConfigError, type AppConfig } from '../config/config';

/**
 * The audit key files of the configuration, read by the CLI (which signs and
 * verifies checkpoints) and by the service (which reports on the newest one).
 * `shown` is how a file is named in errors: the service, answering API
 * callers, names it by its file name only.
 */
interface KeyFileOptions {
  shown?: (path: string) => string;
}

/** Reads and parses a key file named by `variable`, failing in one sentence that names both. */
function loadKey<K>(path: string, variable: string, parse: (pem: string) => K, kind: string, options: KeyFileOptions): K {
  const shown = (options.shown ?? ((p: string) => p))(path);
  if (!existsSync(path)) throw new ConfigError(`${variable}: ${shown} does not exist`);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EISDIR' ? ' (it is a directory)' : options.shown ? ` (${code ?? 'unreadable'})` : `: ${(error as Error).message}`;
    throw new ConfigError(`${variable}: cannot read ${shown}${reason}`);
  }
  try {
    return parse(pem);
  } catch (error) {
    const reason = error instanceof CheckpointError ? error.message : `it is not a PEM ${kind}`;
    throw new ConfigError(`${variable}: ${shown}: ${reason}`);
  }
}

export const signingKey = (path: string, options: KeyFileOptions = {}) =>
  loadKey(path, 'SANDBASE_AUDIT_SIGNING_KEY_FILE', loadPrivateKey, 'Ed25519 private key', options);

/** The key that checks checkpoint signatures: the public key file, or else the public half of the signing key. */
export function publicKeyFrom(config: Pick<AppConfig, 'audit'>, options: KeyFileOptions = {}): KeyObject | undefined {
  if (config.audit.publicKeyFile) {
    return loadKey(config.audit.publicKeyFile, 'SANDBASE_AUDIT_PUBLIC_KEY_FILE', loadPublicKey, 'Ed25519 public key', options);
  }
  if (config.audit.signingKeyFile) return createPublicKey(signingKey(config.audit.signingKeyFile, options));
  return undefined;
}

/** Names a file by its file name only, keeping the server's directories out of API answers. */
export const fileNameOnly = (path: string) => basename(path);
