import type { DatabaseConfig } from '../config/config';
import type { DatabaseAdapter } from './connection';
import { openPostgres } from './postgres/postgres-database';
import { isPostgresUnavailable, postgresUniqueConstraint } from './postgres/postgres-errors';
import { openSqlite } from './sqlite/sqlite-database';
import { isSqliteUnavailable, sqliteUniqueConstraint } from './sqlite/sqlite-errors';

export type { CommitPoint, CommitStats, LogQuery, Row, Session, Sql, TransactionMode } from './connection';
export { DatabaseUnavailableError, describeDatabase } from './errors';
export { sql, SqlFragment } from './sql';

/**
 * The service's database: one adapter per database behind this interface
 * (src/database/sqlite, src/database/postgres): TypeORM's DataSource
 * underneath on PostgreSQL, better-sqlite3 itself on SQLite (migrations:
 * sqlite/sqlite-migrations.ts).
 */
export interface Database extends DatabaseAdapter {}

export const Database = {
  /** Opens the database `config` names and, with `migrate`, runs the pending migrations under a database-wide lock. */
  open(config: DatabaseConfig, options: { migrate: boolean }): Promise<Database> {
    return config.type === 'sqlite' ? openSqlite(config, options) : openPostgres(config, options);
  },
};

/**
 * True when a failure is the database being unreachable, overloaded or out of
 * time, not the request being wrong: the statement did not commit, and the
 * same request may succeed when retried.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return isPostgresUnavailable(error) || isSqliteUnavailable(error);
}

/** The unique constraint a failed statement violated, by our constraint names, or null. */
export function violatedUniqueConstraint(error: unknown): string | null {
  return postgresUniqueConstraint(error) ?? sqliteUniqueConstraint(error);
}

export const DATABASE = Symbol('Database');
