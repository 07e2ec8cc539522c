import { NestFactory } from '@nestjs/core';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { AuthModule } from '../../src/auth/auth.module';
import { loadConfig } from '../../src/config/config';
import { ConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { Database, sql } from '../../src/database/database';
import { MIGRATIONS } from '../../src/migrations';
import { createTestDatabase, TestDatabase, usingPostgres } from '../support/database';

/**
 * Several instances starting at the same moment on a fresh database: each
 * opens the database with migrations and makes sure the bootstrap key
 * exists. Here they are separate connection pools in one process, so their
 * start-ups overlap as closely as they can (test/e2e/multi-instance-startup
 * does the same with real processes, on both databases). SQLite connections
 * in one process would wait for each other's locks synchronously, so this
 * file runs on PostgreSQL only.
 */
const describeOnPostgres = usingPostgres() ? describe : describe.skip;

/** The keys service of one instance, on its own connection pool. */
async function keysOn(db: Database): Promise<ApiKeysService> {
  const modules = [ConfigModule.forRoot(loadConfig({})), DatabaseModule.forRoot(db), AuthModule];
  const context = await NestFactory.createApplicationContext({ module: class Instance {}, imports: modules }, { logger: false });
  return context.get(ApiKeysService);
}

describeOnPostgres('concurrent start-up on one fresh PostgreSQL database', () => {
  let database: TestDatabase;
  const opened: Database[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
    await database.drop();
  });

  it('lets eight instances migrate at once: all start, each migration is applied once', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => Database.open(database.config, { migrate: true })));
    for (const result of results) if (result.status === 'fulfilled') opened.push(result.value);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(Array(8).fill('ok'));
    const applied = await opened[0].query<{ name: string }>(sql`SELECT name FROM schema_migrations ORDER BY id`);
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    const tables = await opened[0].query<{ n: string }>(
      sql`SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('events', 'environments', 'environment_versions', 'api_keys')`,
    );
    expect(Number(tables[0].n)).toBe(4);
  });

  it('lets eight instances ensure the same bootstrap key at once: all start, one key exists', async () => {
    const first = await Database.open(database.config, { migrate: true });
    opened.push(first);
    for (let i = 0; i < 7; i++) opened.push(await Database.open(database.config, { migrate: false }));
    const secret = 'sk-sb-bootstrap-race-0123456789';
    const results = await Promise.allSettled((await Promise.all(opened.map(keysOn))).map((keys) => keys.ensureBootstrapKey(secret)));
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(Array(8).fill('ok'));
    const created = results.filter((r) => r.status === 'fulfilled' && r.value !== null);
    expect(created).toHaveLength(1);
    const keys = await first.query<{ n: string }>(sql`SELECT COUNT(*) AS n FROM api_keys`);
    expect(Number(keys[0].n)).toBe(1);
    expect(await (await keysOn(first)).authenticate(secret)).not.toBeNull();
  });
});
