import type { CommitStats, DatabaseAdapter, LogQuery, Row, Session, Sql } from './connection';
import { within } from './errors';
import { sql, SqlFragment } from './sql';
import type { TableDeclaration } from './table';
import { currentTransactionParticipant } from './transaction-participant';

/**
 * What both adapters' Database do alike: a statement outside a transaction
 * runs on a connection the adapter lends (`withConnection`), and the
 * transaction helper commits on success and rolls back on failure.
 */
export abstract class DatabaseBase implements DatabaseAdapter {
  abstract readonly label: DatabaseAdapter['label'];
  protected abstract withConnection<T>(work: (connection: Sql) => Promise<T>): Promise<T>;
  abstract transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  abstract session<T>(work: (session: Session) => Promise<T>): Promise<T>;
  abstract stats(): CommitStats;
  abstract close(): Promise<void>;

  query<T = Row>(statement: SqlFragment): Promise<T[]> {
    return this.withConnection((c) => c.query<T>(statement));
  }

  queryArrays(statement: SqlFragment): Promise<unknown[][]> {
    return this.withConnection((c) => c.queryArrays(statement));
  }

  execute(statement: SqlFragment): Promise<number> {
    return this.withConnection((c) => c.execute(statement));
  }

  insertMany(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    return this.withConnection((c) => c.insertMany(table, columns, rows));
  }

  lockKey(key: string): Promise<void> {
    return this.withConnection((c) => c.lockKey(key));
  }

  lockTablesForWrite(tables: readonly string[]): Promise<void> {
    return this.withConnection((c) => c.lockTablesForWrite(tables));
  }

  followLog<T extends Row>(query: LogQuery): Promise<(T & { xid: string })[]> {
    return this.withConnection((c) => c.followLog<T>(query));
  }

  createScratchTable(table: TableDeclaration, name: string, keyed?: boolean): Promise<void> {
    return this.withConnection((c) => c.createScratchTable(table, name, keyed));
  }

  advanceSequence(table: string, column: string): Promise<void> {
    return this.withConnection((c) => c.advanceSequence(table, column));
  }

  commitCounter(): Promise<number | null> {
    return this.withConnection((c) => c.commitCounter());
  }

  /** A connection lent for one statement keeps its cache: only a session's matters. */
  withPageCache<T>(_kib: number, work: () => Promise<T>): Promise<T> {
    return work();
  }

  async ping(timeoutMs: number): Promise<void> {
    await within(timeoutMs, this.query(sql`SELECT 1 AS ok`));
  }
}

/**
 * Runs `work` in the transaction just begun on `tx`: commits if it resolves,
 * rolls back if it throws. In a write transaction the enlisted participant
 * (transaction-participant.ts) writes after the work, before COMMIT.
 */
export async function finishTransaction<T>(
  tx: Sql,
  work: (tx: Sql) => Promise<T>,
  end: { commit(): Promise<unknown>; rollback(): Promise<unknown> },
  mode: 'read' | 'write' = 'write',
): Promise<T> {
  try {
    const result = await work(tx);
    const participant = mode === 'write' ? currentTransactionParticipant() : undefined;
    if (participant) await participant.beforeCommit(tx, result);
    await end.commit();
    return result;
  } catch (error) {
    await end.rollback().catch(() => undefined);
    throw error;
  }
}
