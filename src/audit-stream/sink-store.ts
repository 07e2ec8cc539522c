import { Sql, sql } from '../database/database';
import type { SinkState, SinkType } from './domain/sink';
import { auditSinksTable } from './tables';

export interface SinkRow {
  id: string;
  organization_id: string;
  type: SinkType;
  target: string;
  secret: string | null;
  batch_size: number;
  max_failures: number;
  created_at: string;
  created_by: string;
  position: number;
  generation: number;
  state: SinkState;
  failures: number;
  last_error: string | null;
  last_delivered_at: string | null;
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
}

const decode = (row: Record<string, unknown>) => auditSinksTable.decode(row) as unknown as SinkRow;
const plus = (now: string, ms: number) => new Date(Date.parse(now) + ms).toISOString();

export async function insertSink(db: Sql, row: SinkRow): Promise<void> {
  await db.execute(sql`INSERT INTO ${auditSinksTable.ref} (${auditSinksTable.columnList}) VALUES ${sql.tuple(auditSinksTable.valuesOf(row))}`);
}

export async function countSinks(db: Sql, organizationId: string): Promise<number> {
  const rows = await db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM ${auditSinksTable.ref} WHERE organization_id = ${organizationId}`);
  return Number(rows[0].n);
}

export async function listSinks(db: Sql, organizationId: string): Promise<SinkRow[]> {
  const rows = await db.query(
    sql`SELECT ${auditSinksTable.columnList} FROM ${auditSinksTable.ref} WHERE organization_id = ${organizationId} ORDER BY created_at, id`,
  );
  return rows.map(decode);
}

export async function findSink(db: Sql, organizationId: string, id: string): Promise<SinkRow | null> {
  const rows = await db.query(
    sql`SELECT ${auditSinksTable.columnList} FROM ${auditSinksTable.ref} WHERE id = ${id} AND organization_id = ${organizationId}`,
  );
  return rows.length ? decode(rows[0]) : null;
}

/** The sink's stored position, or null if it was deleted. */
export async function findSinkPosition(db: Sql, id: string): Promise<number | null> {
  const rows = await db.query<{ position: number | string }>(sql`SELECT position FROM ${auditSinksTable.ref} WHERE id = ${id}`);
  return rows.length ? Number(rows[0].position) : null;
}

/** The organization a sink belongs to (the CLI names sinks by id alone), or null. */
export async function organizationOfSink(db: Sql, id: string): Promise<string | null> {
  const rows = await db.query<{ organization_id: string }>(sql`SELECT organization_id FROM ${auditSinksTable.ref} WHERE id = ${id}`);
  return rows.length ? rows[0].organization_id : null;
}

export async function deleteSink(db: Sql, organizationId: string, id: string): Promise<boolean> {
  return (await db.execute(sql`DELETE FROM ${auditSinksTable.ref} WHERE id = ${id} AND organization_id = ${organizationId}`)) > 0;
}

/** Active again from its position, its failures forgotten; a delivery under way meanwhile cannot write its outcome. */
export async function resumeSink(db: Sql, organizationId: string, id: string): Promise<boolean> {
  const changed = await db.execute(
    sql`UPDATE ${auditSinksTable.ref} SET state = 'active', failures = 0, next_attempt_at = NULL, generation = generation + 1
        WHERE id = ${id} AND organization_id = ${organizationId}`,
  );
  return changed > 0;
}

/** Delivers again from after `position`: the records after it are delivered again (receivers de-duplicate by id). */
export async function replaySink(db: Sql, organizationId: string, id: string, position: number): Promise<boolean> {
  const changed = await db.execute(
    sql`UPDATE ${auditSinksTable.ref} SET position = ${position}, generation = generation + 1, next_attempt_at = NULL
        WHERE id = ${id} AND organization_id = ${organizationId}`,
  );
  return changed > 0;
}

/** Paused sinks, for their lag in the metrics (the deliverer leases only active ones). */
export async function pausedSinks(db: Sql, limit: number): Promise<SinkRow[]> {
  const rows = await db.query(sql`SELECT ${auditSinksTable.columnList} FROM ${auditSinksTable.ref} WHERE state = 'paused' ORDER BY id LIMIT ${limit}`);
  return rows.map(decode);
}

/** Active sinks due for an attempt whose lease is free, expired or `owner`'s, oldest attempt first. */
export async function dueSinks(db: Sql, owner: string, now: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    sql`SELECT id FROM ${auditSinksTable.ref}
        WHERE state = 'active' AND (next_attempt_at IS NULL OR next_attempt_at <= ${sql.timestamp(now)})
          AND (lease_owner IS NULL OR lease_owner = ${owner} OR lease_expires_at < ${sql.timestamp(now)})
        ORDER BY next_attempt_at, id LIMIT ${limit}`,
  );
  return rows.map((row) => row.id);
}

/**
 * Takes (or renews) the sink's delivery lease for `owner` until now +
 * `leaseMs`, if the sink is active and due and no other owner's lease runs:
 * one compare-and-set, so of several instances exactly one gets it. Returns
 * the sink as it was leased, or null.
 */
export async function leaseSink(db: Sql, id: string, owner: string, now: string, leaseMs: number): Promise<SinkRow | null> {
  const taken = await db.execute(
    sql`UPDATE ${auditSinksTable.ref} SET lease_owner = ${owner}, lease_expires_at = ${sql.timestamp(plus(now, leaseMs))}
        WHERE id = ${id} AND state = 'active' AND (next_attempt_at IS NULL OR next_attempt_at <= ${sql.timestamp(now)})
          AND (lease_owner IS NULL OR lease_owner = ${owner} OR lease_expires_at < ${sql.timestamp(now)})`,
  );
  if (taken === 0) return null;
  const rows = await db.query(sql`SELECT ${auditSinksTable.columnList} FROM ${auditSinksTable.ref} WHERE id = ${id} AND lease_owner = ${owner}`);
  return rows.length ? decode(rows[0]) : null;
}

/** Where a delivery started: the lease it holds and the sink's generation and position when it was read. */
export interface Delivery {
  id: string;
  owner: string;
  generation: number;
  position: number;
}

const held = (d: Delivery) =>
  sql`id = ${d.id} AND lease_owner = ${d.owner} AND generation = ${d.generation} AND position = ${d.position}`;

/** The sink acknowledged up to `position`: stored, failures forgotten, lease renewed. False if the lease or generation was lost. */
export async function advanceSink(db: Sql, delivery: Delivery, position: number, now: string, leaseMs: number): Promise<boolean> {
  const changed = await db.execute(
    sql`UPDATE ${auditSinksTable.ref} SET position = ${position}, failures = 0, last_error = NULL, next_attempt_at = NULL,
          last_delivered_at = ${sql.timestamp(now)}, lease_expires_at = ${sql.timestamp(plus(now, leaseMs))}
        WHERE ${held(delivery)}`,
  );
  return changed > 0;
}

/** A failed attempt: counted, the error kept, the next attempt after `retryMs`; paused at the sink's max_failures. */
export async function failSink(db: Sql, delivery: Delivery, error: string, now: string, retryMs: number): Promise<SinkState | null> {
  const changed = await db.execute(
    sql`UPDATE ${auditSinksTable.ref} SET failures = failures + 1, last_error = ${error.slice(0, 1000)},
          next_attempt_at = ${sql.timestamp(plus(now, retryMs))},
          state = CASE WHEN failures + 1 >= max_failures THEN 'paused' ELSE state END
        WHERE ${held(delivery)}`,
  );
  if (changed === 0) return null;
  const rows = await db.query<{ state: SinkState }>(sql`SELECT state FROM ${auditSinksTable.ref} WHERE id = ${delivery.id}`);
  return rows[0]?.state ?? null;
}

/** Gives the lease up (a stopping instance), so another instance need not wait for it to run out. */
export async function releaseLeases(db: Sql, owner: string): Promise<void> {
  await db.execute(sql`UPDATE ${auditSinksTable.ref} SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ${owner}`);
}
