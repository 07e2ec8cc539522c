import type BetterSqlite3 from 'better-sqlite3';
import { DataSource, MigrationExecutor, QueryFailedError } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import type { DatabaseConfig } from '../../config/config';
import type { DatabaseAdapter, Session, Sql, TransactionMode } from '../connection';
import { DatabaseBase, finishTransaction } from '../database-base';
import { openDataSource, SQLITE_LOCK_WAIT_MS } from '../data-source';
import { Mutex } from '../mutex';
import { sql } from '../sql';
import { SqliteSql, StatementCache } from './sqlite-connection';

class SqliteSession extends SqliteSql implements Session {
  transaction<T>(work: (tx: Sql) => Promise<T>, mode: TransactionMode = 'write'): Promise<T> {
    return this.execute(sql.raw(mode === 'read' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE')).then(() => this.finish(work, mode));
  }

  finish<T>(work: (tx: Sql) => Promise<T>, mode: TransactionMode = 'write'): Promise<T> {
    return finishTransaction(
      this,
      work,
      {
        commit: () => this.execute(sql`COMMIT`),
        rollback: () => this.execute(sql`ROLLBACK`),
      },
      mode,
    );
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
 * SQLite (better-sqlite3) has a single synchronous connection, so every use
 * of it goes through one mutex: a transaction is never interleaved with
 * another request's statements, and no read sees uncommitted work. Write
 * transactions start with BEGIN IMMEDIATE so that another process on the same
 * file (the CLI) waits for the lock instead of failing half-way.
 */
class SqliteDatabase extends DatabaseBase {
  readonly label = 'sqlite';
  private readonly lock = new Mutex();
  private readonly connection: SqliteSession;

  constructor(private readonly dataSource: DataSource) {
    super();
    const handle = (dataSource.driver as BetterSqlite3Driver).databaseConnection as BetterSqlite3.Database;
    this.connection = new SqliteSession(new StatementCache(handle));
  }

  protected withConnection<T>(work: (connection: Sql) => Promise<T>): Promise<T> {
    return this.lock.run(() => work(this.connection));
  }

  /**
   * While another process (the CLI) holds the file's write lock, the wait
   * happens here, asynchronously and without holding this process's
   * connection: other requests (reads, health) are served meanwhile, where
   * SQLite's own busy wait would block the process. After
   * SQLITE_LOCK_WAIT_MS the lock error is thrown (a 503).
   */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const attempt = await this.lock.run(async () => {
        if (!(await this.connection.beginImmediateWithoutWaiting(Date.now() >= deadline))) return null;
        return { value: await this.connection.finish(work) };
      });
      if (attempt) return attempt.value;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** A `read` transaction is a deferred one: it sees one snapshot (WAL) from its first read. */
  session<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.lock.run(() => work(this.connection));
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
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

export async function openSqlite(config: DatabaseConfig, options: { migrate: boolean }): Promise<DatabaseAdapter> {
  return new SqliteDatabase(await openDataSource(config, options.migrate ? migrate : null));
}
