import { runCli } from '../support/cli';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(240_000);

/**
 * Work items and environment keys are projections of their events like
 * everything else: after every kind of transition `projections verify`
 * finds no difference, and a rebuild leaves the work answers as they were.
 */
describe('work items and environment keys in projections verify and rebuild', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let environmentId: string;
  let key: string;
  const worker = (key: string) => ({ baseUrl: t.baseUrl, key });

  beforeAll(async () => {
    t = await startTestApp();
    env = { DATABASE_URL: t.database.url };
    const created = await http(t, 'POST', '/v1/environments', { body: { name: 'work-projections', config: { type: 'self_hosted' } } });
    environmentId = created.body.id;
    const base = `/v1/environments/${environmentId}`;
    key = (await http(t, 'POST', `${base}/keys`, { body: { name: 'workers' } })).body.key as string;
    const revoked = (await http(t, 'POST', `${base}/keys`, { body: {} })).body.id as string;
    expect((await http(t, 'POST', `${base}/keys/${revoked}/revoke`)).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      expect((await http(t, 'POST', `${base}/work`, { body: { data: { type: i % 2 ? 'session' : 'healthcheck', id: `unit_${i}` }, metadata: { n: String(i) } } })).status).toBe(200);
    }
    // Item by item: claimed only; acknowledged; active; asked to stop; stopped by its worker; reclaimed then forced.
    const poll = async (query = '') => (await http(worker(key), 'GET', `${base}/work/poll${query}`)).body;
    await poll();
    const acked = await poll();
    expect((await http(worker(key), 'POST', `${base}/work/${acked.id}/ack`)).status).toBe(200);
    const active = await poll();
    await http(worker(key), 'POST', `${base}/work/${active.id}/ack`);
    expect((await http(worker(key), 'POST', `${base}/work/${active.id}/heartbeat?expected_last_heartbeat=NO_HEARTBEAT`)).body.state).toBe('active');
    const asked = await poll();
    await http(worker(key), 'POST', `${base}/work/${asked.id}/ack`);
    expect((await http(t, 'POST', `${base}/work/${asked.id}/stop`, { body: {} })).body.state).toBe('stopping');
    const done = await poll();
    await http(worker(key), 'POST', `${base}/work/${done.id}/ack`);
    expect((await http(worker(key), 'POST', `${base}/work/${done.id}/stop`, { body: {} })).body.state).toBe('stopped');
    await poll();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reclaimed = await poll('?reclaim_older_than_ms=1');
    expect((await http(t, 'POST', `${base}/work/${reclaimed.id}`, { body: { metadata: { n: null, tag: 'x' } } })).status).toBe(200);
    expect((await http(t, 'POST', `${base}/work/${reclaimed.id}/stop`, { body: { force: true } })).body.state).toBe('stopped');
  });
  afterAll(async () => t.close());

  async function answers() {
    const list = (await http(worker(key), 'GET', `/v1/environments/${environmentId}/work?limit=100`)).body;
    const history = (await http(t, 'GET', `/v1/work_versions?environment_id=${environmentId}&limit=100`)).body;
    const keys = (await http(t, 'GET', `/v1/environments/${environmentId}/keys`)).body;
    const stats = (await http(t, 'GET', `/v1/environments/${environmentId}/work/stats`)).body;
    expect(list.data).toHaveLength(6);
    return { list, history, keys, stats };
  }

  it('finds no difference, and a rebuild leaves every answer as it was', async () => {
    const history = (await http(t, 'GET', `/v1/work_versions?environment_id=${environmentId}&limit=100`)).body.data;
    expect(new Set(history.map((v: { operation: string }) => v.operation))).toEqual(
      new Set(['enqueued', 'claimed', 'reclaimed', 'acknowledged', 'started', 'stop_requested', 'stopped', 'updated']),
    );
    const verified = await runCli(['projections', 'verify', '--json'], env);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout).differences).toEqual([]);
    const before = await answers();
    expect((await runCli(['projections', 'rebuild', '--json'], env)).code).toBe(0);
    expect(await answers()).toEqual(before);
    expect((await runCli(['projections', 'verify'], env)).code).toBe(0);
  });
});
