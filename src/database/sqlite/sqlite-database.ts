import BetterSqlite3 from 'better-sqlite3';
import { DataSource, MigrationExecutor, QueryFailedError } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import type { DatabaseConfig } from '../../config/config';
import type { CommitStats, DatabaseAdapter, Session, Sql, TransactionMode } from '../connection';
import { DatabaseBase, finishTransaction } from '../database-base';
import { openDataSource, SQLITE_LOCK_WAIT_MS } from '../data-source';
import { sql, SqlFragment } from '../sql';
import type { TableDeclaration } from '../table';
import { withoutTransactionParticipant } from '../transaction-participant';
import { COMMIT_WINDOW_MS, GroupCommitLimits, GroupCommitWriter, MAX_BATCH_TRANSACTIONS, WriterConnection } from './group-commit';
import { SqliteSql, StatementCache } from './sqlite-connection';

class SqliteSession extends SqliteSql implements Session, WriterConnection {
  transaction<T>(work: (tx: Sql) => Promise<T>, mode: TransactionMode = 'write'): Promise<T> {
    const end = { commit: () => this.execute(sql`COMMIT`), rollback: () => this.execute(sql`ROLLBACK`) };
    return this.execute(sql.raw(mode === 'read' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE')).then(() => finishTransaction(this, work, end, mode));
  }

  /**
   * BEGIN IMMEDIATE without SQLite's synchronous busy wait. False when
   * another connection holds the write lock (try again later), unless
   * `last`, when that lock error is thrown.
   */
  async beginImmediateWithoutWaiting(last: boolean): Promise<boolean> {
    await this.execute(sql`PRAGMA busy_timeout = 0`);
    try {
      await this.execute(sql`BEGIN IMMEDIATE`);
      return true;
    } catch (error) {
      const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }) : null;
      if (!last && driverError?.code === 'SQLITE_BUSY') return false;
      throw error;
    } finally {
      await this.execute(sql.raw(`PRAGMA busy_timeout = ${SQLITE_LOCK_WAIT_MS}`));
    }
  }
}

/**
 * SQLite (better-sqlite3, synchronous connections). Writes go through one
 * writer connection with group commit (group-commit.ts): concurrent write
 * transactions share one COMMIT, each in its own savepoint. Write
 * transactions start with BEGIN IMMEDIATE so that another process on the
 * same file (the CLI) waits for the lock instead of failing half-way.
 *
 * Statements outside a transaction that read (`query`, `followLog`) run on a
 * second, query-only connection to the same file, which sees the last
 * committed state (WAL), never a batch still open on the writer; statements
 * outside a transaction that write (`execute`) are one-statement write
 * transactions. A session holds the writer alone. An in-memory database has
 * one connection only: there each transaction commits alone and reads share
 * the writer.
 */
class SqliteDatabase extends DatabaseBase {
  readonly label = 'sqlite';
  private readonly writer: GroupCommitWriter<SqliteSession>;
  private readonly reader: { handle: BetterSqlite3.Database; sql: SqliteSql } | null;

  constructor(
    private readonly dataSource: DataSource,
    limits: GroupCommitLimits,
  ) {
    super();
    const handle = (dataSource.driver as BetterSqlite3Driver).databaseConnection as BetterSqlite3.Database;
    const inMemory = handle.memory;
    this.writer = new GroupCommitWriter(new SqliteSession(new StatementCache(handle)), handle, inMemory ? { windowMs: 0, maxTransactions: 1 } : limits);
    this.reader = inMemory ? null : openReader(handle.name);
  }

  protected withConnection<T>(work: (connection: Sql) => Promise<T>): Promise<T> {
    return this.reader ? work(this.reader.sql) : this.writer.exclusive(work);
  }

  /** A write outside a transaction is a transaction of one statement (and no Idempotency-Key answer of its own). */
  override execute(statement: SqlFragment): Promise<number> {
    return withoutTransactionParticipant(() => this.transaction((tx) => tx.execute(statement)));
  }

  /** Temporary tables live on the writer, where sessions run. */
  override createScratchTable(table: TableDeclaration, name: string, keyed?: boolean): Promise<void> {
    return this.writer.exclusive((connection) => connection.createScratchTable(table, name, keyed));
  }

  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.writer.transaction(work);
  }

  /**
   * The writer alone, after the open batch committed. A `read` transaction is
   * a deferred one: it sees one snapshot (WAL) from its first read.
   */
  session<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.writer.exclusive(work);
  }

  stats(): CommitStats {
    return this.writer.stats();
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.reader?.handle.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** A second connection to the file for reads outside transactions: it cannot write (query_only). */
function openReader(path: string): { handle: BetterSqlite3.Database; sql: SqliteSql } {
  const handle = new BetterSqlite3(path, { fileMustExist: true, timeout: SQLITE_LOCK_WAIT_MS });
  handle.pragma('query_only = ON');
  return { handle, sql: new SqliteSql(new StatementCache(handle)) };
}

/**
 * Every pending migration inside one BEGIN IMMEDIATE transaction: the file's
 * write lock, so that several processes starting at once on a fresh file do
 * not race (the others wait up to the busy timeout, then find nothing pending).
 */
async function migrate(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  const executor = new MigrationExecutor(dataSource, runner);
  try {
    await runner.query('BEGIN IMMEDIATE');
    try {
      executor.transaction = 'none';
      await executor.executePendingMigrations();
      await runner.query('COMMIT');
    } catch (error) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}

export async function openSqlite(config: Extract<DatabaseConfig, { type: 'sqlite' }>, options: { migrate: boolean }): Promise<DatabaseAdapter> {
  const limits = { windowMs: config.commitWindowMs ?? COMMIT_WINDOW_MS, maxTransactions: MAX_BATCH_TRANSACTIONS };
  return new SqliteDatabase(await openDataSource(config, options.migrate ? migrate : null), limits);
}
