import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import { Sql, sql } from '../database/database';
import { LogCheckpoint, readAllBatch, StoredEvent } from '../event-store/event-store';
import { ProjectionFamily, scratchTables } from '../event-store/projection-family';
import { eventsTable } from '../event-store/tables';
import { FAMILIES, readModels } from './families';

export const BATCH = 1000;
/** States of recently replayed streams, per family, so a stream's next event needs no read-back. */
const STATE_CACHE_LIMIT = 10_000;

export class LogReplayError extends Error {}

/** Called after each batch of a replay with the events done so far and how many the log holds (at least `done`). */
export type ReplayProgress = (done: number, total: number) => void;

export interface ReplayOptions {
  onProgress?: ReplayProgress;
}

/** Events in the log: the total a replay reports its progress against. */
export async function countEvents(tx: Sql): Promise<number> {
  const rows = await tx.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM ${eventsTable.ref}`);
  return Number(rows[0].n);
}

/**
 * Empty temporary scratch copies of every read-model table, shaped by their
 * declarations, keyed by their primary key only: the replay checks each
 * stream's order itself, and the live tables' unique constraints still hold
 * the rebuilt rows when they are swapped in. Fewer indexes to maintain per
 * row is most of what a bulk load costs; the histories (insertOnly) get even
 * their key only once filled (keyScratchTables).
 */
export async function createScratchTables(tx: Sql): Promise<void> {
  for (const { table, scratch, insertOnly } of readModels()) await tx.createScratchTable({ ...table, unique: {} }, scratch, !insertOnly);
}

/** Gives the scratch copies filled without their primary key (insertOnly) a unique index on it, once they are filled. */
export async function keyScratchTables(tx: Sql): Promise<void> {
  for (const { table, scratch, insertOnly } of readModels()) {
    if (insertOnly) await tx.execute(sql.raw(`CREATE UNIQUE INDEX ${scratch}_key ON ${scratch} (${table.primaryKey})`));
  }
}

export async function dropScratchTables(tx: Sql): Promise<void> {
  for (const { scratch } of readModels()) await tx.execute(sql.raw(`DROP TABLE ${scratch}`));
}

const familyOf = new Map<string, ProjectionFamily>(FAMILIES.flatMap((family) => family.eventTypes.map((type) => [type, family] as const)));

/**
 * A replay must see each stream's events in version order: the event that
 * starts a stream is version 1 and each later event follows the version
 * before it. A log that reads otherwise (rows edited in the database) is
 * refused rather than projected into a wrong history.
 */
function checkStreamOrder(family: ProjectionFamily, stored: StoredEvent, before: unknown): void {
  const expected = family.starts(stored.event) ? 1 : before !== null ? family.versionOf(before) + 1 : null;
  if (expected !== null && stored.stream_version === expected) return;
  const what = expected === null ? 'a stream that does not exist at that point' : `version ${expected}`;
  throw new LogReplayError(
    `the event log is out of order: event ${stored.event_id} (position ${stored.position}) is version ${stored.stream_version} ` +
      `of ${family.idOf(stored.event)}, but the replay expected ${what}; run audit verify`,
  );
}

/** Replays one family's share of a batch, in log order, into its scratch tables. */
async function replayFamily(tx: Sql, family: ProjectionFamily, events: StoredEvent[], cache: Map<string, unknown>): Promise<void> {
  const tables = scratchTables(family);
  const touched = new Map<string, unknown>();
  const evolved: { stored: StoredEvent; before: unknown; after: unknown }[] = [];
  for (const stored of events) {
    try {
      const id = family.idOf(stored.event);
      const before = family.starts(stored.event)
        ? null
        : touched.has(id)
          ? touched.get(id)!
          : cache.has(id)
            ? cache.get(id)!
            : await family.load(tx, id, tables);
      checkStreamOrder(family, stored, before);
      const after = family.evolve(before, stored.event);
      evolved.push({ stored, before, after });
      touched.set(id, after);
    } catch (error) {
      if (error instanceof LogReplayError || error instanceof QueryFailedError) throw error;
      throw new LogReplayError(`event ${stored.event_id} (position ${stored.position}) cannot be replayed: ${(error as Error).message}`);
    }
  }
  await family.project(tx, evolved, tables);
  // Least recently replayed first: a stream touched again moves to the end, the oldest ones make room.
  for (const [id, state] of touched) {
    cache.delete(id);
    cache.set(id, state);
  }
  for (const id of cache.keys()) {
    if (cache.size <= STATE_CACHE_LIMIT) break;
    cache.delete(id);
  }
}

/**
 * Projects log events after `from` into the scratch tables, a batch at a
 * time (each family's own batch form, a few multi-row statements per batch);
 * returns where it stopped. An event no family knows is refused.
 */
export async function projectLog(
  tx: Sql,
  from: LogCheckpoint,
  options: { everythingVisible: boolean; progress?: { onProgress: ReplayProgress; done: number; total: number } },
): Promise<{ checkpoint: LogCheckpoint; events: number }> {
  let checkpoint = from;
  let count = 0;
  const progress = options.progress;
  const caches = new Map<ProjectionFamily, Map<string, unknown>>(FAMILIES.map((family) => [family, new Map()]));
  for (;;) {
    const batch = await readAllBatch(tx, checkpoint, BATCH, options);
    if (batch.events.length === 0) return { checkpoint, events: count };
    const shares = new Map<ProjectionFamily, StoredEvent[]>();
    for (const stored of batch.events) {
      const family = familyOf.get(stored.event.type);
      if (!family) {
        throw new LogReplayError(`event ${stored.event_id} (position ${stored.position}) has an unknown type ${JSON.stringify(stored.event.type)}`);
      }
      const share = shares.get(family);
      if (share) share.push(stored);
      else shares.set(family, [stored]);
    }
    for (const [family, events] of shares) await replayFamily(tx, family, events, caches.get(family)!);
    count += batch.events.length;
    checkpoint = batch.checkpoints[batch.checkpoints.length - 1];
    if (progress) {
      const done = progress.done + count;
      progress.onProgress(done, Math.max(progress.total, done));
    }
  }
}
