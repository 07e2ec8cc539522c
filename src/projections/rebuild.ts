import { Database, Session, Sql, sql, SqlFragment } from '../database/database';
import type { Table } from '../database/table';
import { LOG_START, LogCheckpoint } from '../event-store/event-store';
import type { ReadModel } from '../event-store/projection-family';
import { eventsTable } from '../event-store/tables';
import { readModels } from './families';
import { countEvents, createScratchTables, deleteKeys, dropScratchTables, keyScratchTables, projectLog, ProgressState, ReplayOptions } from './replay';
import { ComparedReplay, replayCompared } from './replay-compared';

/** The page cache a rebuild's connection keeps (SQLite): it reads most of the database once, in order. */
const REPLAY_PAGE_CACHE_KIB = 512;

/** Rows per read model after a rebuild, by read-model key (`environments`, `versions`, `api_keys`, ...). */
export type RebuiltCounts = Record<string, number>;

export interface RebuildReport extends RebuiltCounts {
  events: number;
  seconds: number;
}

async function count(tx: Sql, table: string): Promise<number> {
  const rows = await tx.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM ${sql.raw(table)}`);
  return Number(rows[0].n);
}

/**
 * Rebuilds every projection from the event log and swaps the result in.
 *
 * The bulk of the log is replayed while the service keeps running. Then, in
 * one write transaction that holds writers off (the SQLite write lock; table
 * locks on PostgreSQL that wait for appends in flight), what changed
 * meanwhile is replayed too and the live tables are made equal to the
 * result.
 *
 * On SQLite the replay compares the history rows it derives with the live
 * ones as it goes (replay-compared.ts), from one snapshot. If no other
 * connection committed between that snapshot and the lock, the comparison
 * still holds and only the rows that differ are written; otherwise (events
 * appended, rows changed by hand: it cannot tell which) the comparison is
 * made again under the lock. On PostgreSQL every rebuilt row goes to a
 * scratch table and the swap compares them in SQL.
 */
export async function rebuildProjections(db: Database, options: ReplayOptions = {}): Promise<RebuildReport> {
  const started = Date.now();
  return db.session((session: Session) =>
    session.withPageCache(REPLAY_PAGE_CACHE_KIB, async () => {
      const bulk = await session.transaction((tx) => replayBulk(tx, options), 'read');
      const swapped = await session.transaction((tx) => replayRestAndSwap(tx, bulk, options));
      return { ...swapped, seconds: (Date.now() - started) / 1000 };
    }),
  );
}

/** The bulk replay's result: on SQLite compared with the live tables as of `counter`, on PostgreSQL in scratch tables up to `replayed.checkpoint`. */
type Bulk = { counter: number; compared: ComparedReplay } | { counter: null; replayed: { checkpoint: LogCheckpoint; events: number } };

async function replayBulk(tx: Sql, { onProgress }: ReplayOptions): Promise<Bulk> {
  // First, so that the number is the snapshot's (SQLite's read transaction starts with it).
  const counter = await tx.commitCounter();
  await createScratchTables(tx);
  const progress = onProgress && { onProgress, done: 0, total: await countEvents(tx) };
  if (counter !== null) return { counter, compared: await replayCompared(tx, progress) };
  const replayed = await projectLog(tx, LOG_START, { everythingVisible: false, progress });
  await keyScratchTables(tx);
  return { counter, replayed };
}

async function replayRestAndSwap(tx: Sql, bulk: Bulk, { onProgress }: ReplayOptions): Promise<RebuiltCounts & { events: number }> {
  await tx.lockTablesForWrite([eventsTable.name, ...readModels().map(({ table }) => table.name)]);
  let swapped: RebuiltCounts & { events: number };
  if (bulk.counter !== null) {
    let compared = bulk.compared;
    if ((await tx.commitCounter()) !== bulk.counter) {
      // Another connection committed since the snapshot: events appended, rows changed by hand, or both.
      const progress = onProgress && { onProgress, done: compared.events, total: compared.events + (await countEvents(tx)) };
      await createScratchTables(tx);
      compared = await replayCompared(tx, progress);
    }
    swapped = { ...(await swapInCompared(tx, compared)), events: compared.events };
  } else {
    const progress = onProgress && { onProgress, done: bulk.replayed.events, total: await countEvents(tx) };
    const rest = await projectLog(tx, bulk.replayed.checkpoint, { everythingVisible: true, progress });
    swapped = { ...(await swapIn(tx)), events: bulk.replayed.events + rest.events };
  }
  await onProgress?.(swapped.events, swapped.events);
  return swapped;
}

/**
 * `live` and `scratch` rows (aliases `l` and `s`) with the same primary key
 * and equal in every column (NULL equal to NULL): rows a swap leaves alone.
 */
function sameRow(table: Table): SqlFragment {
  const equal = table.columnNames.map((c) => sql.raw(`s.${c} IS NOT DISTINCT FROM l.${c}`));
  return sql.join(equal, ' AND ');
}

/**
 * Makes a live read model equal to its scratch table. Only what differs is
 * written: first the live rows derived from the log that have no equal row
 * in the scratch copy are deleted (all of them before any insert, so unique
 * values that moved between rows never clash half-way), then the scratch
 * rows whose key is no longer live are inserted. The live table ends up
 * exactly as if emptied of derived rows and refilled, but a rebuild of a
 * table that was right rewrites nothing: no index maintenance, nothing
 * written to the journal, nothing for readers to wait on.
 */
async function swapModel(tx: Sql, { table, scratch, notDerived }: ReadModel): Promise<void> {
  const pk = sql.raw(table.primaryKey);
  const derived = notDerived ? sql` AND NOT (${notDerived})` : sql.empty;
  await tx.execute(
    sql`DELETE FROM ${table.ref} AS l WHERE NOT EXISTS (SELECT 1 FROM ${sql.raw(scratch)} s WHERE s.${pk} = l.${pk} AND ${sameRow(table)})${derived}`,
  );
  // The live rows left with a scratch row's key are equal to it, except rows not derived from the log:
  // a scratch row that collides with one of those is still inserted, and fails as it would have before.
  const kept = notDerived ? sql` AND ${sameRow(table)}` : sql.empty;
  await tx.execute(
    sql`INSERT INTO ${table.ref} (${table.columnList}) SELECT ${table.columnList} FROM ${sql.raw(scratch)} s
        WHERE NOT EXISTS (SELECT 1 FROM ${table.ref} l WHERE l.${pk} = s.${pk}${kept})`,
  );
}

/** Makes every live read model equal to its scratch table (swapModel), then drops them. */
async function swapIn(tx: Sql): Promise<RebuiltCounts> {
  const counts: RebuiltCounts = {};
  for (const model of readModels()) {
    await swapModel(tx, model);
    counts[model.key] = await count(tx, model.table.name);
  }
  await dropScratchTables(tx);
  return counts;
}

/**
 * After a compared replay: of each table compared in process, the live rows
 * found stale are deleted and the derived rows it lacked inserted (all
 * deletes first, as above); the others are swapped in as above.
 */
async function swapInCompared(tx: Sql, compared: ComparedReplay): Promise<RebuiltCounts> {
  const counts: RebuiltCounts = {};
  for (const model of readModels()) {
    const comparison = compared.comparisons.find((c) => c.model.table === model.table);
    if (comparison) {
      const { table, scratch } = model;
      await deleteKeys(tx, table.name, table.primaryKey, comparison.stale);
      await tx.execute(sql`INSERT INTO ${table.ref} (${table.columnList}) SELECT ${table.columnList} FROM ${sql.raw(scratch)}`);
    } else {
      await swapModel(tx, model);
    }
    counts[model.key] = await count(tx, model.table.name);
  }
  await dropScratchTables(tx);
  return counts;
}

/**
 * Rebuilds every projection inside the caller's write transaction, which
 * nothing else writes to meanwhile (an import into an empty database): a log
 * that cannot be replayed fails the transaction, and nothing is committed.
 */
export function rebuildWithin(tx: Sql, options: ReplayOptions = {}): Promise<RebuiltCounts & { events: number }> {
  return tx.withPageCache(REPLAY_PAGE_CACHE_KIB, () => rebuildAll(tx, options));
}

async function rebuildAll(tx: Sql, { onProgress }: ReplayOptions): Promise<RebuiltCounts & { events: number }> {
  await createScratchTables(tx);
  const progress: ProgressState | undefined = onProgress && { onProgress, done: 0, total: await countEvents(tx) };
  let result: RebuiltCounts & { events: number };
  if ((await tx.commitCounter()) !== null) {
    const compared = await replayCompared(tx, progress);
    result = { ...(await swapInCompared(tx, compared)), events: compared.events };
  } else {
    const { events } = await projectLog(tx, LOG_START, { everythingVisible: true, progress });
    await keyScratchTables(tx);
    result = { ...(await swapIn(tx)), events };
  }
  await onProgress?.(result.events, result.events);
  return result;
}
