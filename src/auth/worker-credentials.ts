import { Injectable } from '@nestjs/common';
import type { WorkerCredential } from '../common/route-access';
import type { Principal } from './api-key-cache';

/** Secrets of self-hosted workers carry a prefix, so the guard knows where to look them up. */
export const WORKER_SECRET_PREFIXES: Readonly<Record<WorkerCredential, string>> = {
  environment_key: 'sk-sb-env-',
  work_secret: 'sk-sb-work-',
};

export function workerCredentialOf(secret: string): WorkerCredential | null {
  if (secret.startsWith(WORKER_SECRET_PREFIXES.environment_key)) return 'environment_key';
  if (secret.startsWith(WORKER_SECRET_PREFIXES.work_secret)) return 'work_secret';
  return null;
}

export interface WorkerAuthenticator {
  /** The worker principal of `secret`, or null if it is unknown, revoked or spent. */
  authenticate(credential: WorkerCredential, secret: string): Promise<Principal | null>;
}

/**
 * Where the module that issues worker credentials (src/work) registers how
 * they are checked, so that the global guard can check them without
 * importing that module.
 */
@Injectable()
export class WorkerCredentialRegistry {
  private authenticator: WorkerAuthenticator | null = null;

  register(authenticator: WorkerAuthenticator): void {
    this.authenticator = authenticator;
  }

  authenticate(credential: WorkerCredential, secret: string): Promise<Principal | null> {
    return this.authenticator ? this.authenticator.authenticate(credential, secret) : Promise.resolve(null);
  }
}
