import { Database } from '../../src/database/database';
import { MIGRATIONS } from '../../src/migrations';
import { createTestDatabase, TestDatabase } from '../support/database';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { http } from '../support/test-app';
import { sql } from '../../src/database/sql';

jest.setTimeout(240_000);

/**
 * Three service processes started at the same moment on a fresh database
 * with the same bootstrap key, as an orchestrator starts replicas: all of
 * them become ready, the schema is migrated once and one key exists.
 */
describe('three instances starting together on a fresh database', () => {
  const key = 'sk-sb-startup-race-0123456789';
  let database: TestDatabase;
  let processes: ServiceProcess[] = [];
  let db: Database | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await db?.close();
    await database?.drop();
  });

  it('all become ready and serve the same data; migrations and the bootstrap key are applied once', async () => {
    const env = { DATABASE_URL: database.url, SANDBASE_BOOTSTRAP_API_KEY: key, DATABASE_POOL_SIZE: '5' };
    const started = await Promise.allSettled([0, 1, 2].map(() => startServiceProcess(env)));
    processes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ready'))).toEqual(['ready', 'ready', 'ready']);

    const created = await http({ baseUrl: processes[0].baseUrl, key }, 'POST', '/v1/environments', { body: { name: 'seen-by-all' } });
    expect(created.status).toBe(200);
    for (const p of processes) {
      const r = await http({ baseUrl: p.baseUrl, key }, 'GET', `/v1/environments/${created.body.id}`);
      expect(r.status).toBe(200);
      expect(r.body.name).toBe('seen-by-all');
    }

    db = await Database.open(database.config, { migrate: false });
    const applied = await db.query<{ name: string }>(sql`SELECT name FROM schema_migrations ORDER BY id`);
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    const keys = await db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM api_keys`);
    expect(Number(keys[0].n)).toBe(1);
  });
});
