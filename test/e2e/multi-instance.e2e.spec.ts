import { Database } from '../../src/database/database';
import { createTestDatabase, TestDatabase } from '../support/database';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { runCli } from '../support/cli';
import { http } from '../support/test-app';
import { sql } from '../../src/database/sql';

/** A key changed elsewhere is refused here once cached lookups ran out: SANDBASE_KEY_CACHE_TTL_MS, 1 s by default, at most 1 s. */
const afterKeyCacheBound = () => new Promise((resolve) => setTimeout(resolve, 1_100));

jest.setTimeout(240_000);

/**
 * Two service processes on one database, as behind a load balancer. On
 * PostgreSQL this is the supported multi-instance setup; on SQLite the two
 * processes share one file through SQLite's write lock.
 */
describe('two service processes on one database', () => {
  const key = 'sk-sb-multiinstance0123456789';
  let database: TestDatabase;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let db: Database;
  const as = (p: ServiceProcess) => ({ baseUrl: p.baseUrl, key });

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, SANDBASE_BOOTSTRAP_API_KEY: key, DATABASE_POOL_SIZE: '10' };
    a = await startServiceProcess(env);
    b = await startServiceProcess(env);
    db = await Database.open(database.config, { migrate: false });
  });

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await db?.close();
    await database?.drop();
  });

  it('applies 200 concurrent updates split across both: versions 1..201, all descriptions, one linear chain', async () => {
    const env = await http(as(a), 'POST', '/v1/environments', { body: { name: 'contended' } });
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        http(as(i % 2 ? a : b), 'POST', `/v1/environments/${env.body.id}`, { body: { description: `update ${i}` } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(new Set(responses.map((r) => r.body.version)).size).toBe(200);
    const final = await http(as(b), 'GET', `/v1/environments/${env.body.id}`);
    expect(final.body.version).toBe(201);

    const events = await db.query<{ stream_version: number | string; data: unknown }>(
      sql`SELECT stream_version, data FROM events WHERE stream_id = ${`environment-${env.body.id}`} ORDER BY stream_version`,
    );
    expect(events.map((e) => Number(e.stream_version))).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    const descriptions = new Set<string>();
    for (let page: string | undefined, first = true; first || page; first = false) {
      const versions = await http(as(first ? a : b), 'GET', `/v1/environments/${env.body.id}/versions?limit=100${page ? `&page=${page}` : ''}`);
      for (const v of versions.body.data) if (v.environment?.description) descriptions.add(v.environment.description);
      page = versions.body.next_page;
    }
    expect(descriptions).toEqual(new Set(Array.from({ length: 200 }, (_, i) => `update ${i}`)));

    const verify = await http(as(a), 'GET', '/v1/environment_versions/verify');
    expect(verify.body).toMatchObject({ valid: true, problem: null });
    const total = await db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM events`);
    expect(verify.body.head.chain_seq).toBe(Number(total[0].n));
  });

  it('lets exactly one of 100 concurrent same-name creates across both succeed; the rest are 409', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => http(as(i % 2 ? a : b), 'POST', '/v1/environments', { body: { name: 'only-one' } })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    for (const r of responses.filter((x) => x.status === 409)) expect(r.body.error.details.error_code).toBe('environment_name_taken');
  });

  it('pages through both alternately while both take writes: no duplicates, no misses', async () => {
    const untouched: string[] = [];
    const churn: string[] = [];
    for (let i = 0; i < 120; i++) {
      const r = await http(as(i % 2 ? a : b), 'POST', '/v1/environments', { body: { name: `walk-${i}` } });
      (i % 4 === 0 ? churn : untouched).push(r.body.id);
    }
    let writing = true;
    const writer = (async () => {
      let i = 0;
      while (writing) {
        const target = i % 2 ? a : b;
        await http(as(target), 'POST', '/v1/environments', { body: { name: `walk-new-${i}` } });
        const victim = churn[i % churn.length];
        await http(as(target), i % 3 ? 'POST' : 'DELETE', i % 3 ? `/v1/environments/${victim}/archive` : `/v1/environments/${victim}`);
        i++;
      }
    })();
    const seen: string[] = [];
    let page: string | undefined;
    let turn = 0;
    do {
      const response = await http(as(turn++ % 2 ? a : b), 'GET', `/v1/environments?limit=10${page ? `&page=${page}` : ''}`);
      expect(response.status).toBe(200);
      seen.push(...response.body.data.map((e: { id: string }) => e.id));
      page = response.body.next_page;
      await new Promise((r) => setTimeout(r, 5));
    } while (page);
    writing = false;
    await writer;
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of untouched) expect(seen).toContain(id);
  });

  it('refuses a key revoked or rotated through one instance or the CLI on the other within the key cache bound', async () => {
    const created = await http(as(a), 'POST', '/v1/api_keys', { body: { name: 'shared', scope: 'write' } });
    expect(created.status).toBe(200);
    const shared = created.body.key as string;
    expect((await http({ baseUrl: b.baseUrl, key: shared }, 'GET', '/v1/environments')).status).toBe(200);

    // Rotated through the CLI: the old secret is refused by both instances once their cached lookup ran out.
    const rotated = await runCli(['keys', 'rotate', created.body.id, '--json'], { DATABASE_URL: database.url });
    expect(rotated.code).toBe(0);
    const fresh = JSON.parse(rotated.stdout).key as string;
    await afterKeyCacheBound();
    for (const p of [a, b]) expect((await http({ baseUrl: p.baseUrl, key: shared }, 'GET', '/v1/environments')).status).toBe(401);
    for (const p of [a, b]) expect((await http({ baseUrl: p.baseUrl, key: fresh }, 'GET', '/v1/environments')).status).toBe(200);

    // Revoked through instance b: b refuses it on its next request; a once its cached lookup ran out.
    expect((await http({ baseUrl: a.baseUrl, key: fresh }, 'GET', '/v1/environments')).status).toBe(200);
    expect((await http(as(b), 'POST', `/v1/api_keys/${created.body.id}/revoke`)).status).toBe(200);
    expect((await http({ baseUrl: b.baseUrl, key: fresh }, 'GET', '/v1/environments')).status).toBe(401);
    await afterKeyCacheBound();
    expect((await http({ baseUrl: a.baseUrl, key: fresh }, 'GET', '/v1/environments')).status).toBe(401);
  });

  it('loses no acknowledged write when one process is killed mid-load', async () => {
    const acknowledged: { id: string; description?: string; byA: boolean }[] = [];
    const other5xx: number[] = [];
    const seed = await http(as(b), 'POST', '/v1/environments', { body: { name: 'kill-target' } });
    const run = async (target: ServiceProcess, n: number) => {
      for (let i = 0; i < n; i++) {
        try {
          const created = await http(as(target), 'POST', '/v1/environments', { body: { name: `kill-${target === a ? 'a' : 'b'}-${i}` } });
          if (created.status === 200) acknowledged.push({ id: created.body.id, byA: target === a });
          else if (created.status >= 500 && target === b) other5xx.push(created.status);
          const description = `kill ${target === a ? 'a' : 'b'} ${i}`;
          const updated = await http(as(target), 'POST', `/v1/environments/${seed.body.id}`, { body: { description } });
          if (updated.status === 200) acknowledged.push({ id: seed.body.id, description, byA: target === a });
          else if (updated.status >= 500 && target === b) other5xx.push(updated.status);
        } catch {
          if (target === b) throw new Error('process B failed a request');
          return; // process A was killed: its connection broke
        }
      }
    };
    const loadA = run(a, 400);
    const loadB = run(b, 60);
    // Kill A once it has acknowledged some writes, however fast or slow this machine is today.
    let aFinished = false;
    void loadA.then(() => (aFinished = true));
    while (!aFinished && acknowledged.filter((w) => w.byA).length < 20) await new Promise((r) => setTimeout(r, 5));
    await a.kill();
    await Promise.all([loadA, loadB]);
    expect(other5xx).toEqual([]);
    // Both processes acknowledged writes, and A stopped before finishing its load.
    expect(acknowledged.filter((w) => w.byA).length).toBeGreaterThan(0);
    expect(acknowledged.filter((w) => w.byA).length).toBeLessThan(800);
    expect(acknowledged.filter((w) => !w.byA).length).toBe(120);
    const history = new Set<string>();
    for (let page: string | undefined, first = true; first || page; first = false) {
      const versions = await http(as(b), 'GET', `/v1/environments/${seed.body.id}/versions?limit=100${page ? `&page=${page}` : ''}`);
      for (const v of versions.body.data) if (v.environment?.description) history.add(v.environment.description);
      page = versions.body.next_page;
    }
    for (const write of acknowledged) {
      if (write.description) expect(history).toContain(write.description);
      else expect((await http(as(b), 'GET', `/v1/environments/${write.id}`)).status).toBe(200);
    }
    expect(await http(as(b), 'GET', '/v1/environment_versions/verify')).toMatchObject({ body: { valid: true } });
  });
});
