import { encodePageCursor, PagePosition } from '../../common/page-cursor';
import { Sql, sql } from '../../database/database';
import type { EnvironmentKeyState } from '../domain/environment-key';
import type { WorkItem } from '../domain/work';
import { environmentKeysTable, workItemsTable, workLeasesTable, workPollersTable } from '../tables';

const ITEM_COLUMNS = sql.raw(workItemsTable.columnNames.map((c) => `w.${c}`).join(', '));

export interface WorkRecord {
  item: WorkItem;
  /** The item's lease (acknowledged items): last accepted heartbeat and TTL. */
  lease: { last_heartbeat: string | null; ttl_seconds: number; lease_expires_at: string } | null;
}

function toRecord(row: Record<string, unknown>): WorkRecord {
  const item = workItemsTable.decode(row) as unknown as WorkItem;
  if (row.ttl_seconds === null || row.ttl_seconds === undefined) return { item, lease: null };
  const lease = workLeasesTable.decode({ ...row, work_id: item.id }) as { last_heartbeat: string | null; ttl_seconds: number; lease_expires_at: string };
  return { item, lease: { last_heartbeat: lease.last_heartbeat, ttl_seconds: lease.ttl_seconds, lease_expires_at: lease.lease_expires_at } };
}

const WITH_LEASE = sql`SELECT ${ITEM_COLUMNS}, l.last_heartbeat, l.ttl_seconds, l.lease_expires_at
  FROM ${workItemsTable.ref} w LEFT JOIN ${workLeasesTable.ref} l ON l.work_id = w.id`;

/** One item of one environment, with its lease. */
export async function findWork(db: Sql, environmentId: string, workId: string): Promise<WorkRecord | null> {
  const rows = await db.query(sql`${WITH_LEASE} WHERE w.id = ${workId} AND w.environment_id = ${environmentId}`);
  return rows.length ? toRecord(rows[0]) : null;
}

/** The oldest item a poll may hand out: queued, and unclaimed or claimed before `reclaimBefore`. */
export async function nextClaimable(db: Sql, environmentId: string, reclaimBefore: string): Promise<WorkItem | null> {
  const rows = await db.query(
    sql`SELECT ${workItemsTable.columnList} FROM ${workItemsTable.ref}
        WHERE environment_id = ${environmentId} AND state = 'queued' AND (claimed_at IS NULL OR claimed_at < ${sql.timestamp(reclaimBefore)})
        ORDER BY created_at, id LIMIT 1`,
  );
  return rows.length ? (workItemsTable.decode(rows[0]) as unknown as WorkItem) : null;
}

/** A page of an environment's items, newest first: `limit` items and the cursor of the next page. */
export async function listWork(db: Sql, environmentId: string, after: PagePosition | null, limit: number) {
  const cursor = after ? sql` AND (w.created_at, w.id) < (${sql.timestamp(after.c)}, ${after.i})` : sql.empty;
  const rows = await db.query(sql`${WITH_LEASE} WHERE w.environment_id = ${environmentId}${cursor} ORDER BY w.created_at DESC, w.id DESC LIMIT ${limit + 1}`);
  const records = rows.slice(0, limit).map(toRecord);
  const last = records[records.length - 1]?.item;
  return { records, next_page: rows.length > limit && last ? encodePageCursor({ c: last.created_at, i: last.id }) : null };
}

/** The queue's numbers: unclaimed queued items, claimed ones not yet acknowledged, the oldest queued item, workers seen since `pollersSince`. */
export async function queueStats(db: Sql, environmentId: string, pollersSince: string) {
  const [counts] = await db.query(
    sql`SELECT COUNT(CASE WHEN claimed_at IS NULL THEN 1 END) AS depth, COUNT(claimed_at) AS pending, MIN(created_at) AS oldest
        FROM ${workItemsTable.ref} WHERE environment_id = ${environmentId} AND state = 'queued'`,
  );
  const [pollers] = await db.query(
    sql`SELECT COUNT(*) AS workers FROM ${workPollersTable.ref} WHERE environment_id = ${environmentId} AND last_polled_at >= ${sql.timestamp(pollersSince)}`,
  );
  const oldest = counts.oldest === null || counts.oldest === undefined ? null : (workItemsTable.decode({ created_at: counts.oldest }).created_at as string);
  return { depth: Number(counts.depth), pending: Number(counts.pending), oldest_queued_at: oldest, workers: Number(pollers.workers) };
}

/** Notes that a worker polled (an upsert of one row per environment and worker id). */
export async function recordPoller(db: Sql, environmentId: string, workerId: string, now: string): Promise<void> {
  await db.execute(
    sql`INSERT INTO ${workPollersTable.ref} (id, environment_id, worker_id, last_polled_at) VALUES (${`${environmentId}/${workerId}`}, ${environmentId}, ${workerId}, ${now})
        ON CONFLICT (id) DO UPDATE SET last_polled_at = excluded.last_polled_at`,
  );
}

/** The work item a secret (its SHA-256) was issued for, while the item is not stopped. */
export async function findWorkForSecret(db: Sql, secretHash: string): Promise<WorkItem | null> {
  const rows = await db.query(
    sql`SELECT ${workItemsTable.columnList} FROM ${workItemsTable.ref} WHERE secret_hash = ${secretHash} AND state <> 'stopped'`,
  );
  return rows.length ? (workItemsTable.decode(rows[0]) as unknown as WorkItem) : null;
}

/**
 * Acknowledged, unstopped items whose lease ran out before `now`, or that
 * have no lease row at all (e.g. after an import, which carries no leases):
 * oldest first, at most `limit`.
 */
export async function expiredLeases(db: Sql, now: string, limit: number): Promise<{ work_id: string; organization_id: string }[]> {
  const rows = await db.query(
    sql`SELECT w.id AS work_id, w.organization_id FROM ${workItemsTable.ref} w LEFT JOIN ${workLeasesTable.ref} l ON l.work_id = w.id
        WHERE w.state IN ('starting', 'active', 'stopping') AND (l.work_id IS NULL OR l.lease_expires_at < ${sql.timestamp(now)})
        ORDER BY w.created_at LIMIT ${limit}`,
  );
  return rows.map((row) => ({ work_id: String(row.work_id), organization_id: String(row.organization_id) }));
}

/** A stopped item needs no lease. */
export async function deleteLease(db: Sql, workId: string): Promise<void> {
  await db.execute(sql`DELETE FROM ${workLeasesTable.ref} WHERE work_id = ${workId}`);
}

export async function findLease(db: Sql, workId: string) {
  const rows = await db.query(sql`SELECT ${workLeasesTable.columnList} FROM ${workLeasesTable.ref} WHERE work_id = ${workId}`);
  return rows.length ? (workLeasesTable.decode(rows[0]) as { work_id: string; last_heartbeat: string | null; ttl_seconds: number; lease_expires_at: string }) : null;
}

/** Sets the lease (after an ack or the first heartbeat, in the command's transaction). */
export async function writeLease(db: Sql, lease: { work_id: string; organization_id: string; last_heartbeat: string | null; ttl_seconds: number; lease_expires_at: string }) {
  await db.execute(
    sql`INSERT INTO ${workLeasesTable.ref} (${workLeasesTable.columnList}) VALUES ${sql.tuple(workLeasesTable.valuesOf(lease))}
        ON CONFLICT (work_id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, ttl_seconds = excluded.ttl_seconds, lease_expires_at = excluded.lease_expires_at`,
  );
}

/**
 * Extends an active item's lease if its last heartbeat is still `expected`:
 * a compare-and-set, so two heartbeats with the same expectation (on any
 * instances) cannot both win. True if it was extended.
 */
export async function extendLease(db: Sql, workId: string, expected: string, next: { last_heartbeat: string; ttl_seconds: number; lease_expires_at: string }): Promise<boolean> {
  const changed = await db.execute(
    sql`UPDATE ${workLeasesTable.ref} SET last_heartbeat = ${next.last_heartbeat}, ttl_seconds = ${next.ttl_seconds}, lease_expires_at = ${next.lease_expires_at}
        WHERE work_id = ${workId} AND last_heartbeat = ${expected}
          AND EXISTS (SELECT 1 FROM ${workItemsTable.ref} w WHERE w.id = ${workId} AND w.state = 'active')`,
  );
  return changed > 0;
}

const KEY_COLUMNS = environmentKeysTable.columnList;
const toKey = (row: Record<string, unknown>) => environmentKeysTable.decode(row) as unknown as EnvironmentKeyState;

/** The unrevoked environment key with this secret (its SHA-256). */
export async function findEnvironmentKeyForSecret(db: Sql, keyHash: string): Promise<EnvironmentKeyState | null> {
  const rows = await db.query(sql`SELECT ${KEY_COLUMNS} FROM ${environmentKeysTable.ref} WHERE key_hash = ${keyHash} AND revoked_at IS NULL`);
  return rows.length ? toKey(rows[0]) : null;
}

export async function findEnvironmentKey(db: Sql, environmentId: string, id: string): Promise<EnvironmentKeyState | null> {
  const rows = await db.query(sql`SELECT ${KEY_COLUMNS} FROM ${environmentKeysTable.ref} WHERE id = ${id} AND environment_id = ${environmentId}`);
  return rows.length ? toKey(rows[0]) : null;
}

/** Every key of the environment, newest first (revoked ones too, unless `activeOnly`). */
export async function listEnvironmentKeys(db: Sql, environmentId: string, activeOnly = false): Promise<EnvironmentKeyState[]> {
  const active = activeOnly ? sql` AND revoked_at IS NULL` : sql.empty;
  const rows = await db.query(sql`SELECT ${KEY_COLUMNS} FROM ${environmentKeysTable.ref} WHERE environment_id = ${environmentId}${active} ORDER BY created_at DESC, id DESC`);
  return rows.map(toKey);
}
