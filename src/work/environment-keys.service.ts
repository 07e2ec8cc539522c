import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Principal } from '../auth/api-key-cache';
import { hashApiKey } from '../auth/api-keys.service';
import { WORKER_SECRET_PREFIXES, WorkerCredentialRegistry } from '../auth/worker-credentials';
import { randomBase62 } from '../common/ids';
import type { WorkerCredential } from '../common/route-access';
import { Database, DATABASE } from '../database/database';
import { EnvironmentRetirementHooks } from '../environments/commands/environment-retirement';
import type { ChangeContext } from '../event-store/event-store';
import { appendEnvironmentKeyEvents, WorkExecutor } from './commands/work.executor';
import { decideRevoke, ENVIRONMENT_KEY_NAME_MAX, EnvironmentKeyState } from './domain/environment-key';
import { WorkError, WorkErrorCode } from './domain/errors';
import { requireActiveSelfHosted, requireEnvironment } from './environment-access';
import { findEnvironmentKey, findEnvironmentKeyForSecret, findWorkForSecret, listEnvironmentKeys } from './projections/work.read-model';

export const newEnvironmentKeyId = (): string => `envkey_${randomBase62()}`;
export const newEnvironmentKeySecret = (): string => `${WORKER_SECRET_PREFIXES.environment_key}${randomBase62(40)}`;

/** Who acts for an organization: its id and the change context of the request (or the operator). */
export interface Acting extends ChangeContext {
  organizationId: string;
}

/**
 * Environment keys: issued for self-hosted environments, shown once, stored
 * as hashes, revoked by a call or with their environment. Also checks the
 * worker credentials for the global guard: environment keys and work
 * secrets, looked up on every request (no cache), so a revocation is in
 * force on every instance at once.
 */
@Injectable()
export class EnvironmentKeysService implements OnModuleInit {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly executor: WorkExecutor,
    private readonly credentials: WorkerCredentialRegistry,
    private readonly retirement: EnvironmentRetirementHooks,
  ) {}

  onModuleInit(): void {
    this.credentials.register({ authenticate: (credential, secret) => this.authenticate(credential, secret) });
    this.retirement.register((tx, retired) => this.revokeAllIn(tx, retired.environmentId, retired.now, retired.context));
  }

  async authenticate(credential: WorkerCredential, secret: string): Promise<Principal | null> {
    const hash = hashApiKey(secret);
    if (credential === 'environment_key') {
      const key = await findEnvironmentKeyForSecret(this.db, hash);
      if (!key) return null;
      return { apiKeyId: key.id, organizationId: key.organization_id, scope: 'read', credential, environmentId: key.environment_id };
    }
    const item = await findWorkForSecret(this.db, hash);
    if (!item) return null;
    return { apiKeyId: item.id, organizationId: item.organization_id, scope: 'read', credential, environmentId: item.environment_id, workId: item.id };
  }

  /** A new key for a self-hosted, active environment; the secret is returned only here. */
  async create(acting: Acting, environmentId: string, name: string | null, secret = newEnvironmentKeySecret()) {
    if (name !== null && [...name].length > ENVIRONMENT_KEY_NAME_MAX) {
      throw new WorkError(WorkErrorCode.InvalidRequest, `name must be at most ${ENVIRONMENT_KEY_NAME_MAX} characters`);
    }
    const id = newEnvironmentKeyId();
    const key = await this.executor.environmentKey(
      acting.organizationId,
      id,
      async (_state, tx, now) => {
        await requireActiveSelfHosted(tx, acting.organizationId, environmentId);
        const data = { environment_key_id: id, organization_id: acting.organizationId, environment_id: environmentId, name };
        return [{ type: 'EnvironmentKeyCreated' as const, data: { ...data, key_hash: hashApiKey(secret), key_hint: `${WORKER_SECRET_PREFIXES.environment_key}...${secret.slice(-4)}`, created_at: now } }];
      },
      acting,
    );
    if (!key) throw new Error(`environment key ${id} was not created`);
    return { key, secret };
  }

  async list(organizationId: string, environmentId: string): Promise<EnvironmentKeyState[]> {
    await requireEnvironment(this.db, organizationId, environmentId);
    return listEnvironmentKeys(this.db, environmentId);
  }

  /** Revokes the key at once; revoking a revoked key answers it unchanged. */
  async revoke(acting: Acting, environmentId: string, keyId: string): Promise<EnvironmentKeyState> {
    const key = await this.executor.environmentKey(
      acting.organizationId,
      keyId,
      async (state, tx, now) => {
        await requireEnvironment(tx, acting.organizationId, environmentId);
        if (!state || state.environment_id !== environmentId) {
          throw new WorkError(WorkErrorCode.EnvironmentKeyNotFound, `No key ${keyId} for environment ${environmentId}`);
        }
        return decideRevoke(state, now, 'revoked');
      },
      acting,
    );
    if (!key) throw new WorkError(WorkErrorCode.EnvironmentKeyNotFound, `No key ${keyId} for environment ${environmentId}`);
    return key;
  }

  /** In an archive's or delete's transaction: every active key of the environment is revoked with it. */
  private async revokeAllIn(tx: Parameters<typeof findEnvironmentKey>[0], environmentId: string, now: string, context: ChangeContext): Promise<void> {
    for (const key of await listEnvironmentKeys(tx, environmentId, true)) {
      await appendEnvironmentKeyEvents(tx, key, decideRevoke(key, now, 'environment_retired'), context, now);
    }
  }
}
