import { Database, Session, Sql, sql, SqlFragment } from '../database/database';
import type { Table } from '../database/table';
import { LOG_START } from '../event-store/event-store';
import { eventsTable } from '../event-store/tables';
import { readModels } from './families';
import { countEvents, createScratchTables, dropScratchTables, keyScratchTables, projectLog, ReplayOptions } from './replay';

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
 * The bulk of the log is replayed into temporary tables while the service
 * keeps running. Then, in one write transaction that holds writers off (the
 * SQLite write lock; table locks on PostgreSQL that wait for appends in
 * flight), the events appended meanwhile are replayed too and the live tables
 * are replaced by the rebuilt ones.
 */
export async function rebuildProjections(db: Database, options: ReplayOptions = {}): Promise<RebuildReport> {
  const started = Date.now();
  const { onProgress } = options;
  return db.session(async (session: Session) => {
    const bulk = await session.transaction(async (tx) => {
      await createScratchTables(tx);
      const progress = onProgress && { onProgress, done: 0, total: await countEvents(tx) };
      const replayed = await projectLog(tx, LOG_START, { everythingVisible: false, progress });
      await keyScratchTables(tx);
      return replayed;
    }, 'read');
    return session.transaction(async (tx) => {
      await tx.lockTablesForWrite([eventsTable.name, ...readModels().map(({ table }) => table.name)]);
      const progress = onProgress && { onProgress, done: bulk.events, total: await countEvents(tx) };
      const rest = await projectLog(tx, bulk.checkpoint, { everythingVisible: true, progress });
      const swapped = await swapIn(tx);
      const events = bulk.events + rest.events;
      onProgress?.(events, events);
      return { ...swapped, events, seconds: (Date.now() - started) / 1000 };
    });
  });
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
 * Makes the live read models equal to the scratch tables, which it drops.
 * Only what differs is written: first the live rows derived from the log
 * that have no equal row in the scratch copy are deleted (all of them before
 * any insert, so unique values that moved between rows never clash
 * half-way), then the scratch rows whose key is no longer live are inserted.
 * The live tables end up exactly as if emptied of derived rows and refilled,
 * but a rebuild of tables that were right rewrites nothing: no index
 * maintenance, nothing written to the journal, nothing for readers to wait on.
 */
async function swapIn(tx: Sql): Promise<RebuiltCounts> {
  const counts: RebuiltCounts = {};
  for (const { key, table, scratch, notDerived } of readModels()) {
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
    counts[key] = await count(tx, table.name);
  }
  await dropScratchTables(tx);
  return counts;
}

/**
 * Rebuilds every projection inside the caller's write transaction, which
 * nothing else writes to meanwhile (an import into an empty database): a log
 * that cannot be replayed fails the transaction, and nothing is committed.
 */
export async function rebuildWithin(tx: Sql, options: ReplayOptions = {}): Promise<RebuiltCounts & { events: number }> {
  const { onProgress } = options;
  await createScratchTables(tx);
  const progress = onProgress && { onProgress, done: 0, total: await countEvents(tx) };
  const { events } = await projectLog(tx, LOG_START, { everythingVisible: true, progress });
  await keyScratchTables(tx);
  const counts = await swapIn(tx);
  onProgress?.(events, events);
  return { ...counts, events };
}
