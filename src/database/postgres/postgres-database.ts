import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { DatabaseConfig } from '../../config/config';
import type { CommitStats, DatabaseAdapter, Session, Sql, TransactionMode } from '../connection';
import { DatabaseBase, finishTransaction } from '../database-base';
import { openDataSource } from '../data-source';
import { sql } from '../sql';
import { PostgresSql } from './postgres-connection';

class PostgresSession extends PostgresSql implements Session {
  /** `read`: one snapshot for the whole transaction (REPEATABLE READ). */
  async transaction<T>(work: (tx: Sql) => Promise<T>, mode: TransactionMode = 'write'): Promise<T> {
    await this.execute(sql.raw(`BEGIN ISOLATION LEVEL ${mode === 'read' ? 'REPEATABLE READ' : 'READ COMMITTED'}`));
    return finishTransaction(this, work, {
      commit: () => this.execute(sql`COMMIT`),
      rollback: async () => {
        if (!this.isReleased) await this.execute(sql`ROLLBACK`);
      },
    }, mode);
  }
}

/**
 * PostgreSQL: a pool (TypeORM's, with the statement and query timeouts of
 * the configuration). Correctness between concurrent writers, also in other
 * processes, comes from transactions, locks taken in the database and unique
 * constraints, never from in-process locks.
 */
class PostgresDatabase extends DatabaseBase {
  readonly label = 'postgres';
  private readonly pool: Pool;

  constructor(private readonly dataSource: DataSource) {
    super();
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  protected async withConnection<T>(work: (connection: PostgresSession) => Promise<T>): Promise<T> {
    const connection = new PostgresSession(await this.pool.connect());
    try {
      return await work(connection);
    } finally {
      connection.release();
    }
  }

  private readonly counts: CommitStats = { transactions: 0, commits: 0 };

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const value = await this.withConnection((session) => session.transaction(work, 'write'));
    this.counts.transactions++;
    this.counts.commits++;
    return value;
  }

  /** Each transaction commits alone: the server groups the WAL flushes of concurrent commits itself. */
  stats(): CommitStats {
    return { ...this.counts };
  }

  session<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.withConnection(work);
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

const MIGRATION_LOCK = `hashtextextended('sandbase:migrations', 0)`;

/**
 * Runs the pending migrations, each in its transaction, while holding a
 * session advisory lock on the migrating connection: instances starting at
 * once on a fresh database do not race; the first applies them, the others
 * wait and then find nothing pending.
 */
async function migrate(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  const { MigrationExecutor } = require('typeorm') as typeof import('typeorm');
  const executor = new MigrationExecutor(dataSource, runner);
  try {
    await runner.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      executor.transaction = 'each';
      await executor.executePendingMigrations();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

export async function openPostgres(config: DatabaseConfig, options: { migrate: boolean }): Promise<DatabaseAdapter> {
  return new PostgresDatabase(await openDataSource(config, options.migrate ? migrate : null));
}
