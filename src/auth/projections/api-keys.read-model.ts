import type { PagePosition } from '../../common/page-cursor';
import { nullableTimestampOf, timestampOf } from '../../common/rows';
import { Sql, sql } from '../../database/database';
import type { ApiKeyState } from '../domain/api-key';
import { isScope } from '../domain/scope';
import { apiKeysTable, apiKeyUsageTable, organizationsTable } from '../tables';

export interface ApiKeyRecord {
  state: ApiKeyState;
  last_used_at: string | null;
}

function recordOf(raw: Record<string, unknown>): ApiKeyRecord {
  const row = apiKeysTable.decode(raw);
  const scope = isScope(row.scope) ? row.scope : 'read';
  const lastUsed = raw.last_used_at === null || raw.last_used_at === undefined ? null : timestampOf(raw.last_used_at);
  return { state: { ...(row as unknown as ApiKeyState), scope }, last_used_at: lastUsed };
}

/** A key's columns and when it was last used. */
const KEY_WITH_USAGE = sql`SELECT ${sql.join(apiKeysTable.columnNames.map((c) => sql.raw(`k.${c}`)))}, u.last_used_at
  FROM ${apiKeysTable.ref} k LEFT JOIN ${apiKeyUsageTable.ref} u ON u.api_key_id = k.id`;

/** One key, in its organization (or in any, for the operator's CLI). */
export async function findApiKey(db: Sql, id: string, organizationId?: string): Promise<ApiKeyRecord | null> {
  const inOrganization = organizationId === undefined ? sql.empty : sql` AND k.organization_id = ${organizationId}`;
  const rows = await db.query(sql`${KEY_WITH_USAGE} WHERE k.id = ${id}${inOrganization}`);
  return rows.length ? recordOf(rows[0]) : null;
}

/** The organization's keys, newest first, after a keyset position: `limit + 1` rows so the caller knows whether more exist. */
export async function listApiKeys(db: Sql, organizationId: string, after: PagePosition | null, limit: number): Promise<ApiKeyRecord[]> {
  const cursor = after ? sql` AND (k.created_at, k.id) < (${sql.timestamp(after.c)}, ${after.i})` : sql.empty;
  const rows = await db.query(
    sql`${KEY_WITH_USAGE} WHERE k.organization_id = ${organizationId}${cursor} ORDER BY k.created_at DESC, k.id DESC LIMIT ${limit + 1}`,
  );
  return rows.map(recordOf);
}

/** Every key of every organization with its organization's name, oldest first (the CLI's listing). */
export async function listAllApiKeys(db: Sql): Promise<(ApiKeyRecord & { organization: string })[]> {
  const rows = await db.query<Record<string, unknown> & { organization: string }>(
    sql`SELECT q.*, o.name AS organization FROM (${KEY_WITH_USAGE}) q
        JOIN ${organizationsTable.ref} o ON o.id = q.organization_id ORDER BY q.created_at, q.id`,
  );
  return rows.map((row) => ({ ...recordOf(row), organization: row.organization }));
}

/** Admin keys of the organization that still work at `now` (neither revoked nor expired). */
export async function countActiveAdminKeys(db: Sql, organizationId: string, now: string): Promise<number> {
  const rows = await db.query<{ n: number | string }>(
    sql`SELECT COUNT(*) AS n FROM ${apiKeysTable.ref}
        WHERE organization_id = ${organizationId} AND scope = 'admin' AND revoked_at IS NULL
          AND (expires_at IS NULL OR expires_at > ${sql.timestamp(now)})`,
  );
  return Number(rows[0].n);
}

/** A key a secret opens, and until when that secret opens it (null: until the key changes). */
export interface KeyForSecret {
  id: string;
  organization_id: string;
  scope: string;
  /** The key's expiry, or the end of the grace period if the secret is the one a rotation replaced. */
  valid_until: string | null;
}

/**
 * The key a secret's hash opens at `now`: its current secret, or its previous
 * one within a rotation's grace period; never a revoked or expired key.
 */
export async function findKeyForSecret(db: Sql, hash: string, now: string): Promise<KeyForSecret | null> {
  const at = sql.timestamp(now);
  const rows = await db.query<{ id: string; organization_id: string; scope: string; key_hash: string; expires_at: unknown; previous_key_expires_at: unknown }>(
    sql`SELECT id, organization_id, scope, key_hash, expires_at, previous_key_expires_at FROM ${apiKeysTable.ref}
        WHERE (key_hash = ${hash} OR (previous_key_hash = ${hash} AND previous_key_expires_at > ${at}))
          AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${at})`,
  );
  if (!rows.length) return null;
  const row = rows[0];
  const expires = nullableTimestampOf(row.expires_at);
  const grace = row.key_hash === hash ? null : nullableTimestampOf(row.previous_key_expires_at);
  const validUntil = expires === null ? grace : grace === null || Date.parse(expires) < Date.parse(grace) ? expires : grace;
  return { id: row.id, organization_id: row.organization_id, scope: row.scope, valid_until: validUntil };
}

/** Keys that predate key events (version 0): each gets its creation recorded at start-up. */
export async function findUnadoptedKeys(db: Sql): Promise<ApiKeyRecord[]> {
  const rows = await db.query(sql`${KEY_WITH_USAGE} WHERE k.version = 0 ORDER BY k.created_at, k.id`);
  return rows.map(recordOf);
}

/** Records that a key was used at `now`, unless a later use is recorded already. */
export function recordKeyUse(db: Sql, id: string, now: string): Promise<number> {
  return db.execute(
    sql`INSERT INTO ${apiKeyUsageTable.ref} (api_key_id, last_used_at) VALUES (${id}, ${now})
        ON CONFLICT (api_key_id) DO UPDATE SET last_used_at = excluded.last_used_at
        WHERE ${apiKeyUsageTable.ref}.last_used_at < excluded.last_used_at`,
  );
}
