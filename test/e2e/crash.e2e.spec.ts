import { Database, sql } from '../../src/database/database';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { http, HttpResult } from '../support/test-app';

jest.setTimeout(240_000);

const KILLS = 6;
const WORKERS = 6;
const SEEDS = 3;
/** An operation still unanswered this long after the last restart is a failure, not a slow machine. */
const SETTLE_MS = 60_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The service killed with SIGKILL at random moments while clients create,
 * update and retry with Idempotency-Keys, and restarted on the same
 * database each time. Afterwards: every acknowledged write is there, no
 * idempotent request was applied twice, the projections and the audit chain
 * verify, and no stream has a gap.
 */
describe('crashes under load', () => {
  const apiKey = 'sk-sb-crashtest0123456789abc';
  let database: TestDatabase;
  let service: ServiceProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A killed request's claim is taken over after the lease: short here, so retries do not wait the default minute.
    env = { DATABASE_URL: database.url, SANDBASE_BOOTSTRAP_API_KEY: apiKey, DATABASE_POOL_SIZE: '10', SANDBASE_IDEMPOTENCY_LEASE_SECONDS: '3' };
    service = await startServiceProcess(env);
  });
  afterAll(async () => {
    await service?.kill();
    await database?.drop();
  });

  /** Sends through whichever process is up; a broken connection is retried (on the restarted process). */
  async function send(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult | null> {
    const current = service;
    if (!current) return null;
    try {
      return await http({ baseUrl: current.baseUrl, key: apiKey }, method, path, { body, headers, signal: AbortSignal.timeout(10_000) });
    } catch {
      return null; // killed mid-request, or not listening yet
    }
  }

  const retries = { unanswered: 0, inUse: 0, replayed: 0 };

  /** An idempotent request, retried with the same key until it is answered 200 (as the SDK would). */
  async function untilAnswered(path: string, body: unknown, key: string, deadline: () => number): Promise<HttpResult[]> {
    const answers: HttpResult[] = [];
    for (;;) {
      const response = await send('POST', path, body, { 'idempotency-key': key });
      if (!response) retries.unanswered++;
      else if (response.status === 409) retries.inUse++;
      if (response?.headers.get('idempotent-replayed') === 'true') retries.replayed++;
      if (response?.status === 200) return [...answers, response];
      if (response && response.status !== 409 && response.status < 500) throw new Error(`${path}: unexpected ${response.status} ${JSON.stringify(response.body)}`);
      if (response) answers.push(response);
      if (Date.now() > deadline()) throw new Error(`${path} with key ${key} was never answered`);
      await pause(50 + Math.random() * 100);
    }
  }

  it(`loses no acknowledged write and applies no idempotent request twice across ${KILLS} SIGKILLs`, async () => {
    const startedAt = Date.now();
    const seeds: string[] = [];
    for (let i = 0; i < SEEDS; i++) seeds.push((await http({ baseUrl: service!.baseUrl, key: apiKey }, 'POST', '/v1/environments', { body: { name: `seed-${i}` } })).body.id);

    const idempotentCreates = new Map<string, string>(); // name -> id from every 200 (all must agree)
    const idempotentUpdates: string[] = []; // descriptions, each sent with its own key until answered
    const plainCreates: string[] = []; // ids of creates without a key that got a 200
    let running = true;
    let settleBy = Number.MAX_SAFE_INTEGER;

    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const op = i % 3;
        if (op === 0) {
          const name = `idem-${w}-${i}`;
          const answers = await untilAnswered('/v1/environments', { name, metadata: { worker: String(w) } }, `create-${w}-${i}`, () => settleBy);
          const ids = new Set(answers.filter((a) => a.status === 200).map((a) => a.body.id as string));
          expect(ids.size).toBe(1);
          idempotentCreates.set(name, [...ids][0]);
        } else if (op === 1) {
          const description = `update-${w}-${i}`;
          const seed = seeds[(w + i) % seeds.length];
          await untilAnswered(`/v1/environments/${seed}`, { description }, `update-${w}-${i}`, () => settleBy);
          idempotentUpdates.push(description);
        } else {
          const response = await send('POST', '/v1/environments', { name: `plain-${w}-${i}` });
          if (response?.status === 200) plainCreates.push(response.body.id);
          else if (!response) await pause(50);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    for (let kill = 0; kill < KILLS; kill++) {
      await pause(300 + Math.random() * 1_200);
      const victim = service!;
      service = undefined;
      await victim.kill();
      service = await startServiceProcess(env);
    }
    const killedAt = Date.now();
    await pause(500);
    running = false;
    settleBy = Date.now() + SETTLE_MS;
    await Promise.all(workers);
    // eslint-disable-next-line no-console
    console.log(`${KILLS} kills took ${killedAt - startedAt} ms; settling ${Date.now() - killedAt} ms; retries: ${JSON.stringify(retries)}`);
    await service!.stop();
    service = undefined;

    expect(idempotentCreates.size).toBeGreaterThan(10);
    expect(idempotentUpdates.length).toBeGreaterThan(10);
    const db = await Database.open(database.config, { migrate: false });
    try {
      // Every acknowledged create is there, once.
      const environments = await db.query<{ id: string; name: string }>(sql`SELECT id, name FROM environments`);
      const byName = new Map<string, string[]>();
      for (const e of environments) byName.set(e.name, [...(byName.get(e.name) ?? []), e.id]);
      for (const [name, id] of idempotentCreates) expect(byName.get(name)).toEqual([id]);
      const ids = new Set(environments.map((e) => e.id));
      for (const id of plainCreates) expect(ids.has(id)).toBe(true);

      // Every idempotent update applied exactly once.
      const modified = await db.query<{ data: unknown }>(sql`SELECT data FROM events WHERE type = 'EnvironmentModified'`);
      const applied = new Map<string, number>();
      for (const row of modified) {
        const data = (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as { set: { description?: string } };
        if (data.set.description !== undefined) applied.set(data.set.description, (applied.get(data.set.description) ?? 0) + 1);
      }
      for (const description of idempotentUpdates) expect([description, applied.get(description)]).toEqual([description, 1]);

      // No stream has a gap: versions 1..n.
      const streams = await db.query<{ stream_id: string; n: number | string; low: number | string; high: number | string }>(
        sql`SELECT stream_id, COUNT(*) AS n, MIN(stream_version) AS low, MAX(stream_version) AS high FROM events GROUP BY stream_id`,
      );
      for (const s of streams) expect([s.stream_id, Number(s.low), Number(s.high)]).toEqual([s.stream_id, 1, Number(s.n)]);
    } finally {
      await db.close();
    }

    const projections = await runCli(['projections', 'verify', '--quiet'], { DATABASE_URL: database.url });
    expect([projections.code, projections.stderr]).toEqual([0, '']);
    const audit = await runCli(['audit', 'verify', '--quiet'], { DATABASE_URL: database.url });
    expect([audit.code, audit.stderr]).toEqual([0, '']);
  });
});
