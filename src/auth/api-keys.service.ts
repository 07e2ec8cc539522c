import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../common/clock';
import { newApiKeyId, newApiKeySecret, newOrganizationId } from '../common/ids';
import { nullableTimestampOf, timestampOf } from '../common/rows';
import { Database, DATABASE, Sql, sql, violatedUniqueConstraint } from '../database/database';
import { isScope, Scope } from './scopes';
import { apiKeysTable, organizationsTable } from './tables';

export interface Principal {
  apiKeyId: string;
  organizationId: string;
  scope: Scope;
}

/** `last_used_at` is written at most this often per key, and never on the request's critical path. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeySummary {
  id: string;
  organization: string;
  hint: string;
  created_at: string;
  revoked_at: string | null;
}

export interface CreatedApiKey {
  id: string;
  key: string;
  organization: string;
}

/** Only a SHA-256 of each secret is stored; secrets are 40 random base62 characters, so no stretching is needed. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A recognisable, non-secret fragment for listings: `sk-sb-...wxyz`. */
function hintFor(secret: string): string {
  return `sk-sb-...${secret.slice(-4)}`;
}

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** When each key's use was last written, in this process. */
  private readonly lastUseNoted = new Map<string, number>();

  /**
   * The key's principal, or null if the secret is unknown, revoked or expired.
   * A rotated key's previous secret still works until its grace period ends.
   */
  async authenticate(secret: string): Promise<Principal | null> {
    const hash = hashApiKey(secret);
    const now = this.clock.now();
    const rows = await this.db.query<{ id: string; organization_id: string; scope: string }>(
      sql`SELECT id, organization_id, scope FROM ${apiKeysTable.ref}
          WHERE (key_hash = ${hash} OR (previous_key_hash = ${hash} AND previous_key_expires_at > ${sql.timestamp(now)}))
            AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${sql.timestamp(now)})`,
    );
    if (!rows.length || !isScope(rows[0].scope)) return null;
    this.noteUse(rows[0].id, now);
    return { apiKeyId: rows[0].id, organizationId: rows[0].organization_id, scope: rows[0].scope };
  }

  /**
   * Records `last_used_at` at most once a minute per key, after the request
   * moved on: a failure here is not the request's failure.
   */
  private noteUse(id: string, now: string): void {
    const at = Date.parse(now);
    const last = this.lastUseNoted.get(id);
    if (last !== undefined && at - last < LAST_USED_RESOLUTION_MS) return;
    if (this.lastUseNoted.size >= 10_000) this.lastUseNoted.clear();
    this.lastUseNoted.set(id, at);
    setImmediate(() => {
      this.db
        .execute(
          sql`UPDATE ${apiKeysTable.ref} SET last_used_at = ${sql.timestamp(now)}
              WHERE id = ${id} AND (last_used_at IS NULL OR last_used_at < ${sql.timestamp(now)})`,
        )
        .catch(() => this.lastUseNoted.delete(id));
    });
  }

  private async organizationId(tx: Sql, name: string, now: string): Promise<string> {
    const existing = await tx.query<{ id: string }>(sql`SELECT id FROM ${organizationsTable.ref} WHERE name = ${name}`);
    if (existing.length) return existing[0].id;
    const id = newOrganizationId();
    await tx.execute(sql`INSERT INTO ${organizationsTable.ref} (id, name, created_at) VALUES (${id}, ${name}, ${now})`);
    return id;
  }

  /** Creates a key (and its organization if it does not exist yet); the secret is returned only here. */
  async createKey(organization: string, secret: string = newApiKeySecret()): Promise<CreatedApiKey> {
    const name = organization.trim();
    if (!name) throw new Error('organization name must not be empty');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          const now = this.clock.now();
          const organizationId = await this.organizationId(tx, name, now);
          const id = newApiKeyId();
          await tx.execute(
            sql`INSERT INTO ${apiKeysTable.ref} (id, organization_id, key_hash, key_hint, created_at)
                VALUES (${id}, ${organizationId}, ${hashApiKey(secret)}, ${hintFor(secret)}, ${now})`,
          );
          return { id, key: secret, organization: name };
        });
      } catch (error) {
        // Two processes creating the same organization at once: the loser reads the winner's row.
        if (violatedUniqueConstraint(error) === 'organizations_name_unique' && attempt < 3) continue;
        throw error;
      }
    }
  }

  /** At start-up: make sure a key with this secret exists, in organization `default` if it has to be created. */
  async ensureBootstrapKey(secret: string): Promise<CreatedApiKey | null> {
    const rows = await this.db.query(sql`SELECT id FROM ${apiKeysTable.ref} WHERE key_hash = ${hashApiKey(secret)}`);
    if (rows.length) return null;
    try {
      return await this.createKey('default', secret);
    } catch (error) {
      // Another instance starting at the same time created it first.
      if (violatedUniqueConstraint(error) === 'api_keys_key_hash_unique') return null;
      throw error;
    }
  }

  async listKeys(): Promise<ApiKeySummary[]> {
    const rows = await this.db.query<{
      id: string;
      organization: string;
      key_hint: string;
      created_at: unknown;
      revoked_at: unknown;
    }>(
      sql`SELECT k.id, o.name AS organization, k.key_hint, k.created_at, k.revoked_at
          FROM ${apiKeysTable.ref} k JOIN ${organizationsTable.ref} o ON o.id = k.organization_id ORDER BY k.created_at, k.id`,
    );
    return rows.map((row) => ({
      id: row.id,
      organization: row.organization,
      hint: row.key_hint,
      created_at: timestampOf(row.created_at),
      revoked_at: nullableTimestampOf(row.revoked_at),
    }));
  }

  /** Revokes a key at once; returns false if there is no such key, true if it is (now or already) revoked. */
  async revokeKey(id: string): Promise<boolean> {
    const found = await this.db.query(sql`SELECT id FROM ${apiKeysTable.ref} WHERE id = ${id}`);
    if (!found.length) return false;
    await this.db.execute(sql`UPDATE ${apiKeysTable.ref} SET revoked_at = ${this.clock.now()} WHERE id = ${id} AND revoked_at IS NULL`);
    return true;
  }
}
