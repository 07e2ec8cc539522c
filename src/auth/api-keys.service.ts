import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CLOCK, Clock, formatTimestamp } from '../common/clock';
import { newOrganizationId } from '../common/ids';
import { Database, DATABASE, sql, violatedUniqueConstraint } from '../database/database';
import type { Actor, ChangeContext } from '../event-store/event-store';
import { ApiKeyCache, Principal } from './api-key-cache';
import { ApiKeyExecutor } from './commands/api-key.executor';
import { hashApiKey } from './commands/api-key-secret';
import { CreateApiKeyCommand } from './commands/create-api-key/create-api-key.command';
import { RevokeApiKeyCommand } from './commands/revoke-api-key/revoke-api-key.command';
import { RotateApiKeyCommand } from './commands/rotate-api-key/rotate-api-key.command';
import type { ApiKeyEvent } from './domain/api-key';
import { DEFAULT_SCOPE, isScope, Scope } from './domain/scope';
import { findApiKey, findKeyForSecret, findUnadoptedKeys, listAllApiKeys, recordKeyUse } from './projections/api-keys.read-model';
import { ApiKeyResource, presentApiKey } from './resources/api-key.resource';
import { organizationsTable } from './tables';

export { hashApiKey } from './commands/api-key-secret';

export type { Principal } from './api-key-cache';

/** `last_used_at` is written at most this often per key, and never on the request's critical path. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export type ApiKeySummary = ApiKeyResource & { organization: string };

export interface CreatedApiKey extends ApiKeyResource {
  /** The secret, shown only here. */
  key: string;
  organization: string;
}

export interface KeyOptions {
  name?: string | null;
  scope?: Scope;
  expiresAt?: string | null;
  /** A given secret (the bootstrap key); otherwise a new random one. */
  secret?: string;
  actor?: Actor;
}

const operator = (actor?: Actor): ChangeContext => ({ actor: actor ?? { type: 'system_actor', name: 'sandbase' }, requestId: null });

/**
 * Keys for the operator's CLI, start-up and tests, by organization name; the
 * changes go through the same commands as the admin API.
 */
@Injectable()
export class ApiKeysService {
  /** When each key's use was last written, in this process. */
  private readonly lastUseNoted = new Map<string, number>();

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: CommandBus,
    private readonly executor: ApiKeyExecutor,
    private readonly cache: ApiKeyCache,
  ) {}

  /**
   * The key's principal, or null if the secret is unknown, revoked or expired.
   * A rotated key's previous secret still works until its grace period ends.
   */
  async authenticate(secret: string): Promise<Principal | null> {
    const hash = hashApiKey(secret);
    // A cached key needs the time as a number only: its text (toISOString and back, about 1 µs) is
    // made for a lookup in the key table or a use to record, not for every request.
    const at = Date.now();
    const cached = this.cache.get(hash, at);
    if (cached) {
      this.noteUse(cached.apiKeyId, at);
      return cached;
    }
    const ticket = this.cache.ticket();
    const now = this.clock.now();
    const key = await findKeyForSecret(this.db, hash, now);
    if (!key || !isScope(key.scope)) return null;
    const principal: Principal = { apiKeyId: key.id, organizationId: key.organization_id, scope: key.scope };
    this.cache.set(hash, principal, key.valid_until === null ? Infinity : Date.parse(key.valid_until), ticket);
    this.noteUse(key.id, Date.parse(now));
    return principal;
  }

  /**
   * Records `last_used_at` at most once a minute per key, after the request
   * moved on: a failure here is not the request's failure.
   */
  private noteUse(id: string, at: number): void {
    const last = this.lastUseNoted.get(id);
    if (last !== undefined && at - last < LAST_USED_RESOLUTION_MS) return;
    if (this.lastUseNoted.size >= 10_000) this.lastUseNoted.clear();
    this.lastUseNoted.set(id, at);
    const now = formatTimestamp(new Date(at));
    setImmediate(() => {
      recordKeyUse(this.db, id, now).catch(() => this.lastUseNoted.delete(id));
    });
  }

  /** The organization named `name`, created if it does not exist yet. */
  async organizationId(name: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const existing = await this.db.query<{ id: string }>(sql`SELECT id FROM ${organizationsTable.ref} WHERE name = ${name}`);
      if (existing.length) return existing[0].id;
      const id = newOrganizationId();
      try {
        await this.db.execute(sql`INSERT INTO ${organizationsTable.ref} (id, name, created_at) VALUES (${id}, ${name}, ${this.clock.now()})`);
        return id;
      } catch (error) {
        // Two processes creating the same organization at once: the loser reads the winner's row.
        if (violatedUniqueConstraint(error) === 'organizations_name_unique' && attempt < 3) continue;
        throw error;
      }
    }
  }

  /** Creates a key (and its organization if it does not exist yet); the secret is returned only here. */
  async createKey(organization: string, options: KeyOptions = {}): Promise<CreatedApiKey> {
    const name = organization.trim();
    if (!name) throw new Error('organization name must not be empty');
    const organizationId = await this.organizationId(name);
    const input = { organizationId, name: options.name ?? null, scope: options.scope ?? DEFAULT_SCOPE, expiresAt: options.expiresAt ?? null, secret: options.secret };
    const created = await this.commands.execute(new CreateApiKeyCommand(input, operator(options.actor)));
    return { ...presentApiKey(created.state, null, this.clock.now()), key: created.key, organization: name };
  }

  /** At start-up: make sure a key with this secret exists: an admin key of organization `default` if it has to be created. */
  async ensureBootstrapKey(secret: string): Promise<CreatedApiKey | null> {
    if (await findKeyForSecret(this.db, hashApiKey(secret), this.clock.now())) return null;
    try {
      return await this.createKey('default', { secret, scope: 'admin', name: 'bootstrap', actor: { type: 'system_actor', name: 'bootstrap' } });
    } catch (error) {
      // Another instance starting at the same time created it first.
      if (violatedUniqueConstraint(error) === 'api_keys_key_hash_unique') return null;
      throw error;
    }
  }

  async listKeys(): Promise<ApiKeySummary[]> {
    const now = this.clock.now();
    return (await listAllApiKeys(this.db)).map((key) => ({ ...presentApiKey(key.state, key.last_used_at, now), organization: key.organization }));
  }

  /** Revokes a key at once (the operator may revoke any key); false if there is no such key. */
  async revokeKey(id: string, actor?: Actor): Promise<boolean> {
    if (!(await findApiKey(this.db, id))) return false;
    await this.commands.execute(new RevokeApiKeyCommand(id, null, operator(actor)));
    return true;
  }

  /** A new secret for the key; the old one works for `graceMs` more (0: stops at once). Null if there is no such key. */
  async rotateKey(id: string, graceMs: number, actor?: Actor): Promise<{ id: string; key: string } | null> {
    if (!(await findApiKey(this.db, id))) return null;
    const rotated = await this.commands.execute(new RotateApiKeyCommand(id, graceMs, null, operator(actor)));
    return { id, key: rotated.key };
  }

  /**
   * Keys created before keys had events get their creation (and revocation)
   * recorded once, by the service, so every key is a stream of events like
   * everything else in the log. Safe with several instances starting at once:
   * each key is re-read under its organization's lock.
   */
  async adoptKeysWithoutHistory(): Promise<number> {
    let adopted = 0;
    for (const legacy of await findUnadoptedKeys(this.db)) {
      const key = legacy.state;
      await this.executor.execute(
        key.organization_id,
        key.id,
        (state) => {
          if (!state || state.version !== 0) return [];
          const events: ApiKeyEvent[] = [
            {
              type: 'ApiKeyCreated',
              data: { api_key_id: key.id, organization_id: key.organization_id, name: key.name, scope: key.scope, key_hash: key.key_hash, key_hint: key.key_hint, created_at: key.created_at, expires_at: key.expires_at },
            },
          ];
          if (key.revoked_at) events.push({ type: 'ApiKeyRevoked', data: { api_key_id: key.id, revoked_at: key.revoked_at } });
          adopted++;
          return events;
        },
        operator({ type: 'system_actor', name: 'key-history-adoption' }),
      );
    }
    return adopted;
  }
}
