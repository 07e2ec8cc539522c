import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDatabaseUrl } from '../../src/config/config';
import { createDataSource } from '../../src/database/data-source';
import { Database, sql } from '../../src/database/database';
import { MIGRATIONS } from '../../src/migrations';
import { usingPostgres } from '../support/database';
import { http, startTestApp } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * On SQLite the service runs the migrations without TypeORM's DataSource
 * (src/database/sqlite/sqlite-migrations.ts). TypeORM and the service must
 * agree on what ran: a file the service migrated has nothing pending for the
 * TypeORM CLI, a file TypeORM migrated is served without migrating again.
 * PostgreSQL migrates through TypeORM itself.
 */
const onSqlite = usingPostgres() ? describe.skip : describe;

onSqlite('SQLite migrations (skipped on PostgreSQL: TypeORM runs them there)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbase-migrations-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const migrationNames = MIGRATIONS.map((migration) => migration.name);

  it("a file the service migrated (in a folder it creates) has nothing pending in TypeORM's view, and each migration is recorded once, in order", async () => {
    const url = `sqlite:${join(dir, 'new-folder', 'service.sqlite')}`;
    const db = await Database.open(parseDatabaseUrl(url), { migrate: true });
    await db.close();
    const again = await Database.open(parseDatabaseUrl(url), { migrate: true });
    const rows = await again.query<{ name: string; timestamp: number | string }>(sql`SELECT name, timestamp FROM schema_migrations ORDER BY id`);
    await again.close();
    expect(rows.map((row) => row.name)).toEqual(migrationNames);
    expect(rows.map((row) => Number(row.timestamp))).toEqual(migrationNames.map((name) => Number(name.slice(-13))));

    const typeorm = createDataSource(parseDatabaseUrl(url));
    await typeorm.initialize();
    try {
      expect(await typeorm.showMigrations()).toBe(false);
    } finally {
      await typeorm.destroy();
    }
  });

  it('a file TypeORM migrated is served by the service without migrating again', async () => {
    const url = `sqlite:${join(dir, 'typeorm.sqlite')}`;
    const typeorm = createDataSource(parseDatabaseUrl(url));
    await typeorm.initialize();
    await typeorm.runMigrations({ transaction: 'none' });
    await typeorm.destroy();

    const t = await startTestApp({}, { databaseUrl: url });
    try {
      const created = await http(t, 'POST', '/v1/environments', { body: { name: 'after-typeorm-migrations' } });
      expect(created.status).toBe(200);
      const rows = await t.db.query<{ name: string }>(sql`SELECT name FROM schema_migrations ORDER BY id`);
      expect(rows.map((row) => row.name)).toEqual(migrationNames);
    } finally {
      await t.close();
    }
  });

  it('a file that cannot be opened is reported with where it is', async () => {
    const url = `sqlite:${join(dir, 'typeorm.sqlite', 'not-a-folder', 'x.sqlite')}`;
    await expect(Database.open(parseDatabaseUrl(url), { migrate: true })).rejects.toThrow(/cannot open the database sqlite:.*x\.sqlite/);
  });
});
