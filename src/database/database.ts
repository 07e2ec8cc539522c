import { DataSource, MigrationExecutor, QueryFailedError, QueryRunner } from 'typeorm';
import type { DatabaseConfig } from '../config/config';
import { createDataSource, SQLITE_LOCK_WAIT_MS } from './data-source';

export type Dialect = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;

/** What a repository needs: parameterised SQL with `?` placeholders. */
export interface Sql {
  readonly dialect: Dialect;
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement and returns the number of affected rows. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** `?` placeholders become `$1, $2, ...` for PostgreSQL (our SQL never has `?` in literals). */
const pgSqlCache = new Map<string, string>();
function toPostgresPlaceholders(sql: string): string {
  let converted = pgSqlCache.get(sql);
  if (converted === undefined) {
    let n = 0;
    converted = sql.replace(/\?/g, () => `$${++n}`);
    if (pgSqlCache.size < 1000) pgSqlCache.set(sql, converted);
  }
  return converted;
}

class QueryRunnerSql implements Sql {
  constructor(
    readonly dialect: Dialect,
    private readonly runner: QueryRunner,
  ) {}

  private async run(sql: string, params: readonly unknown[]) {
    if (this.dialect === 'sqlite') return this.runner.query(sql, params as unknown[], true);
    try {
      return await this.runner.query(toPostgresPlaceholders(sql), params as unknown[], true);
    } catch (error) {
      if (isQueryTimeout(error)) dropConnection(this.runner, error);
      throw error;
    }
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return ((await this.run(sql, params)).records ?? []) as T[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.run(sql, params)).affected ?? 0;
  }
}

/** The pg client gave up waiting for an answer (DATABASE_QUERY_TIMEOUT_MS). */
function isQueryTimeout(error: unknown): boolean {
  const driverError = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  return driverError instanceof Error && driverError.message === 'Query read timeout';
}

/**
 * Discards a connection whose query timed out on the client: the server may
 * still answer that query later, so the connection must never be reused.
 * Releasing it with an error makes the pool remove it at once; closing the
 * socket frees it even if the network never delivers the goodbye.
 */
function dropConnection(runner: QueryRunner, error: unknown): void {
  const pgRunner = runner as QueryRunner & {
    databaseConnection?: { connection?: { stream?: { destroy(): void } } };
    releasePostgresConnection?(error: unknown): Promise<void>;
  };
  const stream = pgRunner.databaseConnection?.connection?.stream;
  void pgRunner.releasePostgresConnection?.(error).catch(() => undefined);
  stream?.destroy();
}

export type TransactionMode = 'write' | 'read';

/** One connection held for a series of transactions (temporary tables live as long as it). */
export interface Session extends Sql {
  transaction<T>(work: (tx: Sql) => Promise<T>, mode?: TransactionMode): Promise<T>;
}

/** A promise-chain mutex: one holder at a time, in arrival order. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * The service's database: TypeORM's DataSource underneath, raw SQL on top.
 *
 * SQLite (better-sqlite3) has a single synchronous connection, so every use
 * of it goes through one mutex: a transaction is never interleaved with
 * another request's statements, and no read sees uncommitted work. Write
 * transactions start with BEGIN IMMEDIATE so that another process on the same
 * file (the CLI) waits for the lock instead of failing half-way.
 *
 * PostgreSQL uses a pool; correctness between concurrent writers (also in
 * other processes) comes from transactions, locks taken in the database and
 * unique constraints, never from in-process locks.
 */
export class Database implements Sql {
  readonly dialect: Dialect;
  private readonly sqliteLock = new Mutex();
  private sqliteRunner?: QueryRunnerSql;

  constructor(readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  static async open(config: DatabaseConfig, options: { migrate: boolean }): Promise<Database> {
    const dataSource = createDataSource(config);
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new DatabaseUnavailableError(`cannot open the database ${describeDatabase(config)}: ${(error as Error).message}`);
    }
    try {
      if (options.migrate) await runMigrationsExclusively(dataSource);
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
    return new Database(dataSource);
  }

  private sqlite(): QueryRunnerSql {
    this.sqliteRunner ??= new QueryRunnerSql('sqlite', this.dataSource.createQueryRunner());
    return this.sqliteRunner;
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.dialect === 'sqlite') return this.sqliteLock.run(() => this.sqlite().query<T>(sql, params));
    return this.withPostgresRunner((runner) => runner.query<T>(sql, params));
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (this.dialect === 'sqlite') return this.sqliteLock.run(() => this.sqlite().execute(sql, params));
    return this.withPostgresRunner((runner) => runner.execute(sql, params));
  }

  /**
   * Runs `work` in one write transaction: committed if it resolves, rolled
   * back if it throws. On SQLite, while another process (the CLI) holds the
   * file's write lock, the wait happens here, asynchronously and without
   * holding this process's connection: other requests (reads, health) are
   * served meanwhile, where SQLite's own busy wait would block the process.
   * After SQLITE_LOCK_WAIT_MS the lock error is thrown (a 503).
   */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return this.session((session) => session.transaction(work, 'write'));
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const attempt = await this.sqliteLock.run(async () => {
        const sql = this.sqlite();
        if (!(await beginImmediateWithoutWaiting(sql, Date.now() >= deadline))) return null;
        return { value: await finishTransaction(sql, null, work) };
      });
      if (attempt) return attempt.value;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * Holds one connection for a series of transactions. A `read` transaction
   * sees one consistent snapshot (REPEATABLE READ on PostgreSQL, a deferred
   * transaction on SQLite) and may still write TEMPORARY tables.
   */
  async session<T>(work: (session: Session) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') {
      return this.sqliteLock.run(() => work(this.sessionOn(this.sqlite(), null)));
    }
    return this.withPostgresRunner((sql, runner) => work(this.sessionOn(sql, runner)));
  }

  private sessionOn(sql: QueryRunnerSql, runner: QueryRunner | null): Session {
    const transaction = async <T>(work: (tx: Sql) => Promise<T>, mode: TransactionMode = 'write'): Promise<T> => {
      if (runner) {
        await runner.startTransaction(mode === 'read' ? 'REPEATABLE READ' : 'READ COMMITTED');
      } else {
        await sql.execute(mode === 'read' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE');
      }
      return finishTransaction(sql, runner, work);
    };
    return {
      dialect: sql.dialect,
      query: sql.query.bind(sql),
      execute: sql.execute.bind(sql),
      transaction,
    };
  }

  private async withPostgresRunner<T>(work: (sql: QueryRunnerSql, runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await work(new QueryRunnerSql('postgres', runner), runner);
    } finally {
      await runner.release();
    }
  }

  /** Resolves once the database answers; rejects if it fails or takes longer than `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DatabaseUnavailableError(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.query('SELECT 1 AS ok'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * Runs the pending migrations while holding a database-wide lock, so that
 * several instances starting at once on a fresh database do not race: the
 * first applies them, the others wait and then find nothing pending.
 * PostgreSQL: a session advisory lock on the migrating connection.
 * SQLite: every migration inside one BEGIN IMMEDIATE transaction (the file's
 * write lock; other processes wait up to the busy timeout).
 */
async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  const executor = new MigrationExecutor(dataSource, runner);
  try {
    if (dataSource.options.type === 'postgres') {
      await runner.query(`SELECT pg_advisory_lock(hashtextextended('sandbase:migrations', 0))`);
      try {
        executor.transaction = 'each';
        await executor.executePendingMigrations();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended('sandbase:migrations', 0))`).catch(() => undefined);
      }
    } else {
      await runner.query('BEGIN IMMEDIATE');
      try {
        executor.transaction = 'none';
        await executor.executePendingMigrations();
        await runner.query('COMMIT');
      } catch (error) {
        await runner.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    await runner.release();
  }
}

/** Runs `work` in the transaction just begun on `sql`: commits if it resolves, rolls back if it throws. */
async function finishTransaction<T>(sql: Sql, runner: QueryRunner | null, work: (tx: Sql) => Promise<T>): Promise<T> {
  try {
    const result = await work(sql);
    if (runner) await runner.commitTransaction();
    else await sql.execute('COMMIT');
    return result;
  } catch (error) {
    if (runner) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    } else {
      await sql.execute('ROLLBACK').catch(() => undefined);
    }
    throw error;
  }
}

/**
 * SQLite: BEGIN IMMEDIATE without SQLite's synchronous busy wait. False when
 * another connection holds the write lock (try again later), unless `last`,
 * when that lock error is thrown.
 */
async function beginImmediateWithoutWaiting(sql: Sql, last: boolean): Promise<boolean> {
  await sql.execute('PRAGMA busy_timeout = 0');
  try {
    await sql.execute('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }) : null;
    if (!last && driverError?.code === 'SQLITE_BUSY') return false;
    throw error;
  } finally {
    await sql.execute(`PRAGMA busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
  }
}

export class DatabaseUnavailableError extends Error {}

/** Where the database is, for messages: never the password. */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.type === 'sqlite') return `sqlite:${config.path}`;
  const url = new URL(config.url);
  return `postgres://${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57014', // query_canceled: the statement timeout (DATABASE_STATEMENT_TIMEOUT_MS) fired
  '55P03', // lock_not_available
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_FULL',
]);

/**
 * True when a failure is the database being unreachable, overloaded or out of
 * time, not the request being wrong: the statement did not commit, and the
 * same request may succeed when retried.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const driverError = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  if (!driverError || typeof driverError !== 'object') return false;
  const { code, message } = driverError as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(
      message,
    )
  );
}

/** The unique constraint a failed statement violated, by our constraint names, or null. */
export function violatedUniqueConstraint(error: unknown): string | null {
  const driverError = error instanceof QueryFailedError ? (error.driverError as Record<string, unknown>) : error;
  if (!driverError || typeof driverError !== 'object') return null;
  const { code, constraint, message } = driverError as { code?: string; constraint?: string; message?: string };
  if (code === '23505') return constraint ?? 'unknown';
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT') && typeof message === 'string') {
    const columns = message.replace(/^UNIQUE constraint failed: /, '');
    return SQLITE_UNIQUE_COLUMNS[columns] ?? 'unknown';
  }
  return null;
}

/** SQLite names the columns, not the constraint, in its message. */
const SQLITE_UNIQUE_COLUMNS: Record<string, string> = {
  'events.stream_id, events.stream_version': 'events_stream_version_unique',
  'events.organization_id, events.chain_seq': 'events_chain_seq_unique',
  'environments.organization_id, environments.name': 'environments_org_name_unique',
  'organizations.name': 'organizations_name_unique',
  'api_keys.key_hash': 'api_keys_key_hash_unique',
};

export const DATABASE = Symbol('Database');
