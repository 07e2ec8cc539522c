import { Database, Session, Sql, sql } from '../../database/database';
import { LOG_START } from '../../event-store/event-store';
import { eventsTable } from '../../event-store/tables';
import { createScratchTables, dropScratchTables, projectLog } from './replay';
import { LIVE_TABLES, READ_MODEL_TABLES, SCRATCH_TABLES } from './tables';

export interface RebuildReport {
  events: number;
  environments: number;
  versions: number;
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
export async function rebuildProjections(db: Database): Promise<RebuildReport> {
  const started = Date.now();
  return db.session(async (session: Session) => {
    const bulk = await session.transaction(async (tx) => {
      await createScratchTables(tx);
      return projectLog(tx, LOG_START, { everythingVisible: false });
    }, 'read');
    return session.transaction(async (tx) => {
      await tx.lockTablesForWrite([eventsTable.name, LIVE_TABLES.environments, LIVE_TABLES.versions]);
      const rest = await projectLog(tx, bulk.checkpoint, { everythingVisible: true });
      const swapped = await swapIn(tx);
      return { events: bulk.events + rest.events, ...swapped, seconds: (Date.now() - started) / 1000 };
    });
  });
}

/** Replaces the live read models with the scratch tables, which it drops. */
async function swapIn(tx: Sql): Promise<{ environments: number; versions: number }> {
  for (const key of ['versions', 'environments'] as const) {
    const columns = READ_MODEL_TABLES[key].columnList;
    await tx.execute(sql`DELETE FROM ${sql.raw(LIVE_TABLES[key])}`);
    await tx.execute(sql`INSERT INTO ${sql.raw(LIVE_TABLES[key])} (${columns}) SELECT ${columns} FROM ${sql.raw(SCRATCH_TABLES[key])}`);
  }
  const counts = { environments: await count(tx, LIVE_TABLES.environments), versions: await count(tx, LIVE_TABLES.versions) };
  await dropScratchTables(tx);
  return counts;
}

/**
 * Rebuilds every projection inside the caller's write transaction, which
 * nothing else writes to meanwhile (an import into an empty database): a log
 * that cannot be replayed fails the transaction, and nothing is committed.
 */
export async function rebuildWithin(tx: Sql): Promise<{ events: number; environments: number; versions: number }> {
  await createScratchTables(tx);
  const { events } = await projectLog(tx, LOG_START, { everythingVisible: true });
  return { events, ...(await swapIn(tx)) };
}
