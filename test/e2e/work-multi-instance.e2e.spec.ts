import { createTestDatabase, TestDatabase, usingPostgres } from '../support/database';
import { uniqueName } from '../support/fixtures';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { http, HttpResult } from '../support/test-app';

jest.setTimeout(300_000);

/**
 * The self-hosted work queue on two service processes sharing one database,
 * as behind a load balancer: workers polling either instance share one queue
 * (each item delivered once), a long poll on one instance wakes for an item
 * enqueued through the other, and a lease extended on one is what the other
 * checks a heartbeat's precondition against. Workers talk plain HTTP with the
 * environment key or the work secret as `Authorization: Bearer`.
 */
describe('the work queue on two service processes sharing one database', () => {
  const key = 'sk-sb-workmultiinstance0123456789';
  let database: TestDatabase;
  let a: ServiceProcess;
  let b: ServiceProcess;
  const as = (p: ServiceProcess) => ({ baseUrl: p.baseUrl, key });
  /** `p` without an API key: the credential goes in the Authorization header. */
  const at = (p: ServiceProcess) => ({ baseUrl: p.baseUrl, key: '' });
  const bearer = (secret: string, headers: Record<string, string> = {}) => ({ key: null, headers: { ...headers, authorization: `Bearer ${secret}` } });
  const work = (env: string) => `/v1/environments/${env}/work`;

  async function must(request: Promise<HttpResult>, what: string): Promise<any> {
    const response = await request;
    if (response.status !== 200) throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** A self_hosted environment (created through `p`) and a key of it. */
  async function selfHosted(p: ServiceProcess): Promise<{ env: string; envKey: string }> {
    const body = { name: uniqueName('work-multi'), config: { type: 'self_hosted' } };
    const env = (await must(http(as(p), 'POST', '/v1/environments', { body }), 'create environment')).id as string;
    const created = await must(http(as(p), 'POST', `/v1/environments/${env}/keys`, { body: { name: 'worker' } }), 'create environment key');
    return { env, envKey: created.key };
  }

  async function enqueue(p: ServiceProcess, env: string, n: number): Promise<string> {
    const body = { data: { type: 'session', id: `session-${n}-${uniqueName('s')}` } };
    return (await must(http(as(p), 'POST', work(env), { body }), 'enqueue')).id;
  }

  function sessionsToken(secret: unknown): string {
    if (typeof secret !== 'string') throw new Error(`poll answered secret ${JSON.stringify(secret)}`);
    return JSON.parse(Buffer.from(secret, 'base64url').toString('utf8')).sessions_token;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, SANDBASE_BOOTSTRAP_API_KEY: key, DATABASE_POOL_SIZE: '10' };
    a = await startServiceProcess(env);
    b = await startServiceProcess(env);
  });

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await database?.drop();
  });

  it(`delivers each of 200 items exactly once to 4 workers polling both instances, and all end stopped (${usingPostgres() ? 'PostgreSQL' : 'SQLite'})`, async () => {
    const { env, envKey } = await selfHosted(a);
    const enqueued: string[] = [];
    for (let batch = 0; batch < 200; batch += 25) {
      const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => enqueue((batch + i) % 2 ? a : b, env, batch + i)));
      enqueued.push(...ids);
    }
    expect(new Set(enqueued).size).toBe(200);

    // Nothing is reclaimed during the run: an unacknowledged claim stays with its poller for an hour.
    const poll = `${work(env)}/poll?reclaim_older_than_ms=3600000`;
    const deliveries: { id: string; worker: number; instance: 'a' | 'b' }[] = [];
    const failures: string[] = [];
    const worker = async (n: number) => {
      const p = n % 2 ? b : a;
      const instance = n % 2 ? 'b' : 'a';
      // Drain: poll without blocking until the queue answers null.
      for (;;) {
        const polled = await http(at(p), 'GET', poll, bearer(envKey, { 'anthropic-worker-id': `worker-${n}` }));
        if (polled.status !== 200) {
          failures.push(`worker ${n} poll: ${polled.status} ${JSON.stringify(polled.body)}`);
          return;
        }
        if (polled.body === null) return;
        const id = polled.body.id as string;
        deliveries.push({ id, worker: n, instance });
        sessionsToken(polled.body.secret);
        const acked = await http(at(p), 'POST', `${work(env)}/${id}/ack`, bearer(envKey));
        if (acked.status !== 200 || acked.body.state !== 'starting') failures.push(`worker ${n} ack ${id}: ${acked.status} ${JSON.stringify(acked.body)}`);
        const stopped = await http(at(p), 'POST', `${work(env)}/${id}/stop`, { body: { force: true }, ...bearer(envKey) });
        if (stopped.status !== 200 || stopped.body.state !== 'stopped') failures.push(`worker ${n} stop ${id}: ${stopped.status} ${JSON.stringify(stopped.body)}`);
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    expect(failures).toEqual([]);

    const ids = deliveries.map((d) => d.id);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(twice).toEqual([]);
    expect([...ids].sort()).toEqual([...enqueued].sort());
    // Both instances handed out work.
    expect(deliveries.filter((d) => d.instance === 'a').length).toBeGreaterThan(0);
    expect(deliveries.filter((d) => d.instance === 'b').length).toBeGreaterThan(0);

    // Every item is stopped, seen through either instance; the queue is empty.
    const states = new Map<string, string>();
    let page: string | null = null;
    let turn = 0;
    do {
      const listed: any = await must(
        http(at(turn++ % 2 ? a : b), 'GET', `${work(env)}?limit=100${page ? `&page=${page}` : ''}`, bearer(envKey)),
        'list work',
      );
      for (const item of listed.data) states.set(item.id, item.state);
      page = listed.next_page;
    } while (page);
    expect([...states.keys()].sort()).toEqual([...enqueued].sort());
    expect([...new Set(states.values())]).toEqual(['stopped']);
    // Each worker's last poll (the empty one) was moments ago, on one instance or the other: both count.
    const stats = await must(http(as(b), 'GET', `${work(env)}/stats`), 'stats');
    expect(stats).toMatchObject({ type: 'work_queue_stats', depth: 0, pending: 0, oldest_queued_at: null, workers_polling: 4 });

    // The history shows one claim per item and no reclaim.
    const claims = new Map<string, number>();
    let reclaims = 0;
    page = null;
    do {
      const versions: any = await must(
        http(as(turn++ % 2 ? a : b), 'GET', `/v1/work_versions?environment_id=${env}&limit=100${page ? `&page=${page}` : ''}`),
        'work history',
      );
      for (const v of versions.data) {
        if (v.operation === 'claimed') claims.set(v.work_id, (claims.get(v.work_id) ?? 0) + 1);
        if (v.operation === 'reclaimed') reclaims++;
      }
      page = versions.next_page;
    } while (page);
    expect(reclaims).toBe(0);
    expect([...claims.keys()].sort()).toEqual([...enqueued].sort());
    expect([...claims.values()].filter((n) => n !== 1)).toEqual([]);
  });

  it('wakes a long poll on one instance for an item enqueued through the other within its block', async () => {
    const { env, envKey } = await selfHosted(a);
    const answers: unknown[] = [];
    let delivered = false;
    for (let attempt = 0; attempt < 5 && !delivered; attempt++) {
      const polling = http(at(a), 'GET', `${work(env)}/poll?block_ms=999&reclaim_older_than_ms=3600000`, bearer(envKey, { 'anthropic-worker-id': 'long-poller' }));
      // Give the poll a moment to start blocking on A before B enqueues (not a timing assertion: an earlier item is also a delivery).
      await new Promise((resolve) => setTimeout(resolve, 150));
      const id = await enqueue(b, env, attempt);
      const answer = await polling;
      expect(answer.status).toBe(200);
      answers.push(answer.body);
      let claimed = answer.body;
      if (claimed?.id === id) {
        delivered = true;
      } else {
        // Missed within this block: the item is still queued; take it off the queue before trying again.
        expect(claimed).toBeNull();
        claimed = await must(http(at(b), 'GET', `${work(env)}/poll`, bearer(envKey)), 'poll the missed item');
        expect(claimed?.id).toBe(id);
      }
      await must(http(at(a), 'POST', `${work(env)}/${id}/ack`, bearer(envKey)), 'ack');
      await must(http(at(b), 'POST', `${work(env)}/${id}/stop`, { body: { force: true }, ...bearer(envKey) }), 'stop');
    }
    expect({ delivered, answers }).toEqual({ delivered: true, answers: expect.any(Array) });
  });

  it('checks a heartbeat precondition on one instance against the lease extended on the other', async () => {
    const { env, envKey } = await selfHosted(b);
    const id = await enqueue(b, env, 0);
    const polled = await must(http(at(a), 'GET', `${work(env)}/poll`, bearer(envKey)), 'poll');
    expect(polled?.id).toBe(id);
    const secret = sessionsToken(polled.secret);
    await must(http(at(a), 'POST', `${work(env)}/${id}/ack`, bearer(envKey)), 'ack');
    const beat = (p: ServiceProcess, expected: string, credential: string) =>
      http(at(p), 'POST', `${work(env)}/${id}/heartbeat?expected_last_heartbeat=${encodeURIComponent(expected)}&desired_ttl_seconds=300`, bearer(credential));
    // Heartbeats apart in time, so that each stored value differs from the one before (not a timing assertion).
    const apart = () => new Promise((resolve) => setTimeout(resolve, 20));

    const first = await beat(a, 'NO_HEARTBEAT', secret);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ type: 'work_heartbeat', lease_extended: true, state: 'active', ttl_seconds: 300 });
    await apart();
    const second = await beat(a, first.body.last_heartbeat, secret);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ lease_extended: true, state: 'active' });
    expect(second.body.last_heartbeat).not.toBe(first.body.last_heartbeat);

    // B sees the lease A extended: A's stale value is refused, A's latest accepted.
    await apart();
    for (const [expected, credential] of [
      [first.body.last_heartbeat, secret],
      ['NO_HEARTBEAT', envKey],
    ] as const) {
      const stale = await beat(b, expected, credential);
      expect(stale.status).toBe(412);
      expect(stale.body.error).toMatchObject({
        type: 'invalid_request_error',
        details: { error_code: 'heartbeat_precondition_failed', current_state: { last_heartbeat: second.body.last_heartbeat, lease_extended: false, state: 'active' } },
      });
    }
    const third = await beat(b, second.body.last_heartbeat, secret);
    expect(third.status).toBe(200);
    expect(third.body).toMatchObject({ lease_extended: true, state: 'active' });
    expect(third.body.last_heartbeat).not.toBe(second.body.last_heartbeat);

    // And back: A checks against the value B stored.
    await apart();
    expect((await beat(a, second.body.last_heartbeat, envKey)).status).toBe(412);
    const fourth = await beat(a, third.body.last_heartbeat, envKey);
    expect(fourth.status).toBe(200);
    expect(fourth.body).toMatchObject({ lease_extended: true, state: 'active' });

    // The item is still the worker's: stopping it with its secret on B ends it.
    const stopped = await http(at(b), 'POST', `${work(env)}/${id}/stop`, { body: { force: true }, ...bearer(secret) });
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('stopped');
  });
});
