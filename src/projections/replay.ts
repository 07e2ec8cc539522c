import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import { Sql, sql } from '../database/database';
import { LogCheckpoint, readAllBatch, StoredEvent } from '../event-store/event-store';
import { Evolved, familyModels, ProjectionFamily, ReadModel, scratchTables, TableNames } from '../event-store/projection-family';
import { eventsTable } from '../event-store/tables';
import { FAMILIES, readModels } from './families';

export const BATCH = 1000;
/** States of recently replayed streams, per family, so a stream's next event needs no read-back. */
const STATE_CACHE_LIMIT = 20_000;
/** Keys per `DELETE ... IN (...)`, far below both databases' parameter limits. */
const KEYS_PER_STATEMENT = 500;

export class LogReplayError extends Error {}

/**
 * Called after each batch of a replay with the events done so far and how
 * many the log holds (at least `done`); a promise it returns is awaited
 * before the next batch.
 */
export type ReplayProgress = (done: number, total: number) => void | Promise<void>;

export interface ReplayOptions {
  onProgress?: ReplayProgress;
}

/** Where a replay reports its progress: `done` events before it started, of `total`. */
export type ProgressState = { onProgress: ReplayProgress; done: number; total: number };

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

/** A batch of the log split by family, each share in log order; an event no family knows is refused. */
export function sharesOf(events: readonly StoredEvent[]): Map<ProjectionFamily, StoredEvent[]> {
  const shares = new Map<ProjectionFamily, StoredEvent[]>();
  for (const stored of events) {
    const family = familyOf.get(stored.event.type);
    if (!family) {
      throw new LogReplayError(`event ${stored.event_id} (position ${stored.position}) has an unknown type ${JSON.stringify(stored.event.type)}`);
    }
    const share = shares.get(family);
    if (share) share.push(stored);
    else shares.set(family, [stored]);
  }
  return shares;
}

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

/**
 * The states of one family's streams during a replay: the recently replayed
 * ones in memory (least recently replayed first; the oldest make room), the
 * others read back from the scratch state table. With `writeBack`, a state
 * reaches that table only when it leaves memory or at `flush`, not after
 * every batch: most streams are written there once. A null state has no row.
 */
export class StreamStates {
  private readonly cache = new Map<string, { state: unknown; dirty: boolean }>();
  readonly tables: TableNames;
  private readonly model: ReadModel;
  /** Whether any state was written to the scratch state table yet: until then it has no row to replace. */
  private written = false;

  constructor(
    readonly family: ProjectionFamily,
    private readonly writeBack: boolean,
  ) {
    this.tables = scratchTables(family);
    this.model = familyModels(family).state;
  }

  /** Evolves each stream of a share (in log order) from the state it had, checking its order. */
  async evolve(tx: Sql, events: readonly StoredEvent[]): Promise<Evolved[]> {
    const family = this.family;
    const touched = new Map<string, unknown>();
    const evolved: Evolved[] = [];
    for (const stored of events) {
      try {
        const id = family.idOf(stored.event);
        const before = family.starts(stored.event) ? null : touched.has(id) ? touched.get(id)! : await this.stateOf(tx, id);
        checkStreamOrder(family, stored, before);
        const after = family.evolve(before, stored.event);
        evolved.push({ stored, before, after });
        touched.set(id, after);
      } catch (error) {
        if (error instanceof LogReplayError || error instanceof QueryFailedError) throw error;
        throw new LogReplayError(`event ${stored.event_id} (position ${stored.position}) cannot be replayed: ${(error as Error).message}`);
      }
    }
    const leaving: [string, unknown][] = [];
    for (const [id, state] of touched) {
      this.cache.delete(id);
      this.cache.set(id, { state, dirty: this.writeBack });
    }
    for (const [id, entry] of this.cache) {
      if (this.cache.size <= STATE_CACHE_LIMIT) break;
      this.cache.delete(id);
      if (entry.dirty) leaving.push([id, entry.state]);
    }
    await this.write(tx, leaving);
    return evolved;
  }

  private async stateOf(tx: Sql, id: string): Promise<unknown> {
    const cached = this.cache.get(id);
    return cached ? cached.state : this.family.load(tx, id, this.tables);
  }

  /** Every stream's latest state by stream id (null: it has none), if all are in memory: none was ever written to the scratch table. */
  allStates(): ReadonlyMap<string, unknown> | null {
    return this.written ? null : new Map([...this.cache].map(([id, entry]) => [id, entry.state]));
  }

  /** Writes every state not written yet to the scratch state table. */
  async flush(tx: Sql): Promise<void> {
    const dirty: [string, unknown][] = [];
    for (const [id, entry] of this.cache) {
      if (!entry.dirty) continue;
      dirty.push([id, entry.state]);
      entry.dirty = false;
    }
    await this.write(tx, dirty);
  }

  private async write(tx: Sql, states: readonly [string, unknown][]): Promise<void> {
    if (!states.length) return;
    const { table, scratch } = this.model;
    if (this.written) await deleteKeys(tx, scratch, table.primaryKey, states.map(([id]) => id));
    this.written = true;
    const rows = states.flatMap(([, state]) => (state === null ? [] : [table.valuesOf(this.family.stateRow(state))]));
    await tx.insertMany(scratch, table.columnNames, rows);
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
  options: { everythingVisible: boolean; progress?: ProgressState },
): Promise<{ checkpoint: LogCheckpoint; events: number }> {
  let checkpoint = from;
  let count = 0;
  const progress = options.progress;
  const states = new Map<ProjectionFamily, StreamStates>(FAMILIES.map((family) => [family, new StreamStates(family, false)]));
  for (;;) {
    const batch = await readAllBatch(tx, checkpoint, BATCH, options);
    if (batch.events.length === 0) return { checkpoint, events: count };
    for (const [family, events] of sharesOf(batch.events)) {
      const evolved = await states.get(family)!.evolve(tx, events);
      await family.project(tx, evolved, states.get(family)!.tables);
    }
    count += batch.events.length;
    checkpoint = batch.checkpoints[batch.checkpoints.length - 1];
    await reportProgress(progress, count);
  }
}

/** Deletes the rows of `table` whose `key` is one of `keys`, a few hundred keys per statement. */
export async function deleteKeys(tx: Sql, table: string, key: string, keys: readonly unknown[]): Promise<void> {
  for (let start = 0; start < keys.length; start += KEYS_PER_STATEMENT) {
    await tx.execute(sql`DELETE FROM ${sql.raw(table)} WHERE ${sql.raw(key)} IN ${sql.tuple(keys.slice(start, start + KEYS_PER_STATEMENT))}`);
  }
}

export async function reportProgress(progress: ProgressState | undefined, count: number): Promise<void> {
  if (!progress) return;
  const done = progress.done + count;
  await progress.onProgress(done, Math.max(progress.total, done));
}
