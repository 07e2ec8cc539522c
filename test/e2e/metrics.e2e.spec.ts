import { freePort } from '../support/service-process';
import { parsePrometheus, Sample, valueOf } from '../support/prometheus';
import { http, startTestApp, TestApp, withTestApp } from '../support/test-app';

/** Prometheus metrics: a request moves its series, labels hold templates never ids, and a scrape needs the token. */
const TOKEN = 'metrics-token-0123456789abcdef';

async function scrape(url: string, token: string | null = TOKEN): Promise<Sample[]> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

describe('metrics on the API port with METRICS_TOKEN', () => {
  let t: TestApp;
  withTestApp((app) => (t = app), { METRICS_TOKEN: TOKEN });
  const metrics = () => scrape(`${t.baseUrl}/metrics`);

  it('refuses a scrape without the token, or with another one, in the error envelope', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer metrics-token-wrong-0000000000' }, { authorization: TOKEN }, { 'x-api-key': t.key }];
    for (const headers of attempts) {
      const response = await fetch(`${t.baseUrl}/metrics`, { headers });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { type: string; error: { type: string } };
      expect(body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    }
  });

  it('counts a request by method, route template and status, with its latency', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: { name: `metrics-${Date.now()}` } });
    expect(created.status).toBe(200);
    const labels = { method: 'GET', route: '/v1/environments/:id', status: '200' };
    const before = await metrics();
    expect((await http(t, 'GET', `/v1/environments/${created.body.id}`)).status).toBe(200);
    expect((await http(t, 'GET', `/v1/environments/${created.body.id}`)).status).toBe(200);
    expect((await http(t, 'GET', '/v1/environments/env_doesnotexist0000000000')).status).toBe(404);
    const after = await metrics();
    expect(valueOf(after, 'sandbase_http_requests_total', labels) - valueOf(before, 'sandbase_http_requests_total', labels)).toBe(2);
    expect(valueOf(after, 'sandbase_http_request_duration_seconds_count', labels) - valueOf(before, 'sandbase_http_request_duration_seconds_count', labels)).toBe(2);
    expect(valueOf(after, 'sandbase_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(
      valueOf(after, 'sandbase_http_request_duration_seconds_count', labels),
    );
    const notFound = { ...labels, status: '404' };
    expect(valueOf(after, 'sandbase_http_requests_total', notFound) - valueOf(before, 'sandbase_http_requests_total', notFound)).toBe(1);
  });

  it('counts commands by type and outcome, and the events they append by type', async () => {
    const before = await metrics();
    const created = await http(t, 'POST', '/v1/environments', { body: { name: `metrics-cmd-${Date.now()}` } });
    expect(created.status).toBe(200);
    expect((await http(t, 'POST', `/v1/environments/${created.body.id}`, { body: { description: 'changed' } })).status).toBe(200);
    expect((await http(t, 'POST', '/v1/environments/env_doesnotexist0000000000', { body: { description: 'x' } })).status).toBe(404);
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('sandbase_commands_total', { command: 'CreateEnvironmentCommand', outcome: 'ok' })).toBe(1);
    expect(delta('sandbase_commands_total', { command: 'UpdateEnvironmentCommand', outcome: 'ok' })).toBe(1);
    expect(delta('sandbase_commands_total', { command: 'UpdateEnvironmentCommand', outcome: 'environment_not_found' })).toBe(1);
    expect(delta('sandbase_events_appended_total', { type: 'EnvironmentCreated' })).toBe(1);
    expect(delta('sandbase_events_appended_total', { type: 'EnvironmentModified' })).toBe(1);
  });

  it('counts idempotent replays', async () => {
    const headers = { 'idempotency-key': `metrics-replay-${Date.now()}` };
    const body = { name: `metrics-idem-${Date.now()}` };
    const before = await metrics();
    const first = await http(t, 'POST', '/v1/environments', { body, headers });
    const second = await http(t, 'POST', '/v1/environments', { body, headers });
    expect(second.body).toEqual(first.body);
    const after = await metrics();
    expect(valueOf(after, 'sandbase_idempotent_replays_total') - valueOf(before, 'sandbase_idempotent_replays_total')).toBe(1);
    const created = { command: 'CreateEnvironmentCommand', outcome: 'ok' };
    expect(valueOf(after, 'sandbase_commands_total', created) - valueOf(before, 'sandbase_commands_total', created)).toBe(1);
  });

  it('labels a request no route matches with a fixed label, and no label anywhere holds an id or a key', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: { name: `metrics-ids-${Date.now()}` } });
    const id: string = created.body.id;
    await http(t, 'GET', `/v1/environments/${id}/versions`);
    await http(t, 'DELETE', `/v1/environments/${id}`);
    const stray = await http(t, 'GET', `/v2/nothing/${id}?key=${t.key}`);
    expect(stray.status).toBe(404);
    const samples = await metrics();
    expect(valueOf(samples, 'sandbase_http_requests_total', { method: 'GET', route: '(unmatched)', status: '404' })).toBeGreaterThanOrEqual(1);
    const values = samples.flatMap((s) => Object.values(s.labels));
    expect(values.filter((v) => /env_|apikey_|org_|req_|sk-sb-/.test(v) || v.includes(id))).toEqual([]);
    expect(samples.flatMap((s) => Object.keys(s.labels)).filter((k) => !['method', 'route', 'status', 'le', 'command', 'outcome', 'type', 'stream', 'state', 'version', 'major', 'minor', 'patch', 'space', 'kind'].includes(k))).toEqual([]);
  });

  it('reports the database: the SQLite WAL size, or the PostgreSQL pool by state', async () => {
    const samples = await metrics();
    if (t.db.label === 'sqlite') {
      expect(samples.find((s) => s.name === 'sandbase_sqlite_wal_bytes')?.value).toBeGreaterThan(0);
    } else {
      for (const state of ['in_use', 'idle', 'waiting']) {
        expect(samples.find((s) => s.name === 'sandbase_db_pool_connections' && s.labels.state === state)).toBeDefined();
      }
      expect(valueOf(samples, 'sandbase_db_pool_connections', { state: 'idle' }) + valueOf(samples, 'sandbase_db_pool_connections', { state: 'in_use' })).toBeGreaterThan(0);
    }
  });

  it('includes the default process metrics', async () => {
    const samples = await metrics();
    expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('metrics of rate-limited requests', () => {
  let t: TestApp;
  withTestApp((app) => (t = app), { METRICS_TOKEN: TOKEN, SANDBASE_RATE_LIMIT_READS_PER_MINUTE: '1' });

  it('counts 429s under the route template', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await http(t, 'GET', '/v1/environments')).status);
    expect(statuses).toContain(429);
    const samples = await scrape(`${t.baseUrl}/metrics`);
    expect(valueOf(samples, 'sandbase_http_requests_total', { method: 'GET', route: '/v1/environments', status: '429' })).toBe(
      statuses.filter((s) => s === 429).length,
    );
  });
});

describe('metrics without METRICS_TOKEN', () => {
  it('serves no /metrics on the API port, and serves it on METRICS_PORT alone when that is set', async () => {
    const plain = await startTestApp();
    try {
      const response = await http(plain, 'GET', '/metrics', { key: null });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ type: 'error' });
    } finally {
      await plain.close();
    }
    const port = await freePort();
    const t = await startTestApp({ METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' });
    try {
      expect((await http(t, 'GET', '/metrics', { key: null })).status).toBe(404);
      expect((await http(t, 'GET', '/v1/environments')).status).toBe(200);
      const samples = await scrape(`http://127.0.0.1:${port}/metrics`, null);
      expect(valueOf(samples, 'sandbase_http_requests_total', { method: 'GET', route: '/v1/environments', status: '200' })).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/v1/environments`)).status).toBe(404);
    } finally {
      await t.close();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('asks for the token on METRICS_PORT too when both are set', async () => {
    const port = await freePort();
    const t = await startTestApp({ METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1', METRICS_TOKEN: TOKEN });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      await scrape(`http://127.0.0.1:${port}/metrics`);
      await scrape(`${t.baseUrl}/metrics`);
    } finally {
      await t.close();
    }
  });
});
