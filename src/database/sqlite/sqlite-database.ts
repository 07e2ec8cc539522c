import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import type { DatabaseConfig } from '../../config/config';
import type { CommitStats, DatabaseAdapter, Session, Sql, TransactionMode } from '../connection';
import { DatabaseBase, finishTransaction } from '../database-base';
import { SQLITE_LOCK_WAIT_MS } from '../data-source';
import { DatabaseUnavailableError, describeDatabase } from '../errors';
import { sql, SqlFragment } from '../sql';
import type { TableDeclaration } from '../table';
import { withoutTransactionParticipant } from '../transaction-participant';
import { COMMIT_WINDOW_MS, GroupCommitLimits, GroupCommitWriter, MAX_BATCH_TRANSACTIONS, WriterConnection } from './group-commit';
import { SqliteSql, StatementCache } from './sqlite-connection';
import { migrateSqlite } from './sqlite-migrations';

/**
 * WAL pages after which a commit copies the WAL back into the database file
 * (SQLite's automatic checkpoint; its default is 1,000). Each checkpoint
 * writes and fsyncs the database file inside a COMMIT: every 4,000 pages
 * (16 MiB at 4 KiB pages) an update's COMMIT cost about a quarter less CPU
 * and p99 came down (BENCHMARKS.md). The WAL file grows to about that size
 * plus one batch, and is reused from its start after each checkpoint.
 */
export const WAL_CHECKPOINT_PAGES = 4000;

/**
 * The writer's page cache, KiB: SQLite's own default, where better-sqlite3
 * builds SQLite with 16 MiB per connection. The writer's reads are lookups
 * by key inside its transactions; with 16 MiB, updates spread over 10,000
 * environments filled the cache and the service's peak memory grew by about
 * 14 MiB with no gain in speed (pages it misses come from the operating
 * system's file cache). The reader keeps 16 MiB for listings.
 */
export const WRITER_PAGE_CACHE_KIB = 2000;

/**
 * The writer connection. Its busy timeout is 0: the group-commit writer
 * waits for another process's write lock itself, asynchronously (its BEGIN
 * IMMEDIATE fails at once and is tried again), and once a write transaction
 * holds the lock no statement of it waits for one. A session's transaction
 * (the CLI, a rebuild, an export) waits in SQLite as before, up to
 * SQLITE_LOCK_WAIT_MS: the timeout is raised for it alone. Setting it around
 * every batch instead cost two statements per COMMIT.
 */
class SqliteSession extends SqliteSql implements Session, WriterConnection {
  constructor(
    statements: StatementCache,
    private readonly handle: BetterSqlite3.Database,
  ) {
    super(statements);
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>, mode: TransactionMode = 'write'): Promise<T> {
    const end = { commit: () => this.execute(sql`COMMIT`), rollback: () => this.execute(sql`ROLLBACK`) };
    this.handle.pragma(`busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
    try {
      await this.execute(sql.raw(mode === 'read' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE'));
      return await finishTransaction(this, work, end, mode);
    } finally {
      this.handle.pragma('busy_timeout = 0');
    }
  }

  /**
   * BEGIN IMMEDIATE without SQLite's synchronous busy wait. False when
   * another connection holds the write lock (try again later), unless
   * `last`, when that lock error is thrown.
   */
  async beginImmediateWithoutWaiting(last: boolean): Promise<boolean> {
    try {
      await this.execute(sql`BEGIN IMMEDIATE`);
      return true;
    } catch (error) {
      const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }) : null;
      if (!last && driverError?.code === 'SQLITE_BUSY') return false;
      throw error;
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
    private readonly handle: BetterSqlite3.Database,
    limits: GroupCommitLimits,
  ) {
    super();
    const inMemory = handle.memory;
    // Migrations (before) waited for locks as a session does; from here on the writer waits itself (SqliteSession).
    handle.pragma('busy_timeout = 0');
    this.writer = new GroupCommitWriter(new SqliteSession(new StatementCache(handle), handle), handle, inMemory ? { windowMs: 0, maxTransactions: 1 } : limits);
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
    if (this.handle.open) this.handle.close();
  }
}

/** A second connection to the file for reads outside transactions: it cannot write (query_only). */
function openReader(path: string): { handle: BetterSqlite3.Database; sql: SqliteSql } {
  const handle = new BetterSqlite3(path, { fileMustExist: true, timeout: SQLITE_LOCK_WAIT_MS });
  handle.pragma('query_only = ON');
  return { handle, sql: new SqliteSql(new StatementCache(handle)) };
}

export async function openSqlite(config: Extract<DatabaseConfig, { type: 'sqlite' }>, options: { migrate: boolean }): Promise<DatabaseAdapter> {
  const limits = { windowMs: config.commitWindowMs ?? COMMIT_WINDOW_MS, maxTransactions: MAX_BATCH_TRANSACTIONS };
  const handle = openWriter(config);
  try {
    if (options.migrate) await migrateSqlite(handle);
  } catch (error) {
    handle.close();
    throw error;
  }
  return new SqliteDatabase(handle, limits);
}

/**
 * The writer connection, set up as TypeORM's better-sqlite3 driver set it up
 * when it opened the file (data-source.ts has the same settings for the
 * TypeORM CLI): its folder created, foreign keys on, WAL (checkpointed every
 * WAL_CHECKPOINT_PAGES), and every commit on disk before it returns
 * (synchronous=FULL); its page cache WRITER_PAGE_CACHE_KIB.
 */
function openWriter(config: Extract<DatabaseConfig, { type: 'sqlite' }>): BetterSqlite3.Database {
  let handle: BetterSqlite3.Database | undefined;
  try {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    handle = new BetterSqlite3(config.path, { timeout: SQLITE_LOCK_WAIT_MS });
    handle.pragma('synchronous = FULL');
    handle.pragma(`cache_size = -${WRITER_PAGE_CACHE_KIB}`);
    handle.pragma('foreign_keys = ON');
    if (config.path !== ':memory:') {
      handle.pragma('journal_mode = WAL');
      handle.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    }
    return handle;
  } catch (error) {
    handle?.close();
    throw new DatabaseUnavailableError(`cannot open the database ${describeDatabase(config)}: ${(error as Error).message}`);
  }
}
