import type BetterSqlite3 from 'better-sqlite3';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import { MIGRATIONS } from '../../migrations';

/**
 * Runs the pending migrations on a SQLite connection the way TypeORM's
 * MigrationExecutor does (same `schema_migrations` table, rows and order, so
 * the TypeORM CLI reads the same state), without loading TypeORM: its index
 * is some 490 modules, about a sixth of the service's start-up.
 *
 * The migrations get a query runner that has what they use: `query(text,
 * parameters)` answering like TypeORM's better-sqlite3 runner (the rows of a
 * read, the last inserted row id of a write) and `connection.options.type`.
 * A migration that needs more of QueryRunner fails on the first start of a
 * fresh SQLite database, which every e2e suite does.
 *
 * Every pending migration runs inside one BEGIN IMMEDIATE transaction: the
 * file's write lock, so that several processes starting at once on a fresh
 * file do not race (the others wait up to the busy timeout, then find
 * nothing pending).
 */
export async function migrateSqlite(handle: BetterSqlite3.Database, migrations: readonly (new () => MigrationInterface)[] = MIGRATIONS): Promise<void> {
  const runner = sqliteMigrationRunner(handle);
  handle.exec('BEGIN IMMEDIATE');
  try {
    handle.exec(
      'CREATE TABLE IF NOT EXISTS "schema_migrations" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "timestamp" bigint NOT NULL, "name" varchar NOT NULL)',
    );
    const executed = new Set((handle.prepare('SELECT "name" FROM "schema_migrations"').all() as { name: string }[]).map((row) => row.name));
    const record = handle.prepare('INSERT INTO "schema_migrations"("timestamp", "name") VALUES (?, ?)');
    for (const Migration of migrations) {
      const migration = new Migration();
      const name = migration.name ?? Migration.name;
      const timestamp = Number.parseInt(name.slice(-13), 10);
      if (!Number.isFinite(timestamp) || timestamp <= 0) throw new Error(`migration ${name} has no timestamp at the end of its name`);
      if (executed.has(name)) continue;
      await migration.up(runner);
      record.run(timestamp, name);
    }
    handle.exec('COMMIT');
  } catch (error) {
    if (handle.inTransaction) handle.exec('ROLLBACK');
    throw error;
  }
}

function sqliteMigrationRunner(handle: BetterSqlite3.Database): QueryRunner {
  const runner = {
    connection: { options: { type: 'better-sqlite3' } },
    async query(text: string, parameters: unknown[] = []): Promise<unknown> {
      try {
        const statement = handle.prepare(text);
        return statement.reader ? statement.all(...parameters) : statement.run(...parameters).lastInsertRowid;
      } catch (error) {
        throw new QueryFailedError(text, parameters, error as Error);
      }
    },
  };
  return runner as unknown as QueryRunner;
}
