import type { DataSource, DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/config';
import { MIGRATIONS } from '../migrations';
import { DatabaseUnavailableError, describeDatabase } from './errors';

/**
 * TypeORM DataSource options for either database. Schema changes come only
 * from the migrations (never `synchronize`); the service runs them at start-up.
 */
/** How long a SQLite writer waits for another process's write lock before the request gets a 503. */
export const SQLITE_LOCK_WAIT_MS = 10_000;

export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  if (config.type === 'sqlite') {
    return {
      type: 'better-sqlite3',
      database: config.path,
      enableWAL: config.path !== ':memory:',
      timeout: SQLITE_LOCK_WAIT_MS,
      statementCacheSize: 200,
      // Every commit reaches the disk before the request is answered: acknowledged writes survive a power cut.
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('synchronous = FULL');
      },
      migrations: MIGRATIONS,
      migrationsTableName: 'schema_migrations',
      synchronize: false,
      logging: false,
    };
  }
  return {
    type: 'postgres',
    url: config.url,
    ssl: config.ssl,
    poolSize: config.poolSize,
    extra: {
      statement_timeout: config.statementTimeoutMs || undefined,
      query_timeout: config.queryTimeoutMs || undefined,
      // Waiting for a free pooled connection, or for a new one, gives up after this.
      connectionTimeoutMillis: 10_000,
      // Idle pooled connections to a peer that vanished are found and dropped.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'sandbase',
    },
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
  };
}

export function createDataSource(config: DatabaseConfig): DataSource {
  // Required here: the service on SQLite opens its file and migrates without TypeORM (sqlite-migrations.ts).
  const { DataSource: TypeOrmDataSource } = require('typeorm') as typeof import('typeorm');
  return new TypeOrmDataSource(dataSourceOptions(config));
}

/**
 * Opens a DataSource for `config` and, before handing it out, runs `migrate`
 * (the adapter's way of running migrations); a database that cannot be reached is a
 * DatabaseUnavailableError naming where it is (never the password).
 */
export async function openDataSource(config: DatabaseConfig, migrate: ((dataSource: DataSource) => Promise<void>) | null): Promise<DataSource> {
  const dataSource = createDataSource(config);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new DatabaseUnavailableError(`cannot open the database ${describeDatabase(config)}: ${(error as Error).message}`);
  }
  try {
    await migrate?.(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
