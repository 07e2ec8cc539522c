import { createTestDatabase, TestDatabase } from '../support/database';
import { startServiceProcess, ServiceProcess } from '../support/service-process';

/** The service logs JSON lines through pino: one per answered request, keyed by the request id clients see. */
describe('logging', () => {
  const secret = `sk-sb-logging-${'x'.repeat(24)}`;
  let database: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    // LOG_FORMAT=pretty is for a terminal: standard output here is a pipe, so the lines stay JSON.
    service = await startServiceProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty', SANDBASE_BOOTSTRAP_API_KEY: secret });
  });

  afterAll(async () => {
    await service?.kill();
    await database?.drop();
  });

  const lines = () =>
    service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  async function waitForLine(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (let i = 0; i < 50; i++) {
      const found = lines().find(predicate);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no such log line in:\n${service.output()}`);
  }

  it('writes a start-up line with the version, the database without secrets and the address', async () => {
    const line = await waitForLine((l) => typeof l.address === 'string');
    expect(line).toMatchObject({ level: 'info', version: expect.any(String), address: service.baseUrl });
    expect(String(line.database)).toMatch(/^(sqlite:|postgres:\/\/)/);
    expect(String(line.database)).not.toMatch(/@/);
  });

  it('writes one JSON line per request with its request id, route template, status and caller, and never the key', async () => {
    const created = await fetch(`${service.baseUrl}/v1/environments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'logged-environment' }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const retrieved = await fetch(`${service.baseUrl}/v1/environments/${id}`, { headers: { 'x-api-key': secret } });
    const requestId = retrieved.headers.get('request-id');
    expect(requestId).toMatch(/^req_/);

    const line = await waitForLine((l) => l.request_id === requestId);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request completed',
      method: 'GET',
      route: '/v1/environments/:id',
      status: 200,
      organization_id: expect.stringMatching(/^org_/),
      api_key_id: expect.stringMatching(/^apikey_/),
    });
    expect(typeof line.latency_ms).toBe('number');
    expect(lines().filter((l) => l.request_id === requestId)).toHaveLength(1);
    expect(service.output()).not.toContain(secret);
    expect(service.output()).not.toContain(id);
  });

  it('never logs a key secret, not even the one a create answers with', async () => {
    const created = await fetch(`${service.baseUrl}/v1/api_keys`, {
      method: 'POST',
      headers: { 'x-api-key': secret, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'logged?', scope: 'read' }),
    });
    expect(created.status).toBe(200);
    const { key } = (await created.json()) as { key: string };
    expect(key).toMatch(/^sk-sb-/);
    await fetch(`${service.baseUrl}/v1/environments`, { headers: { authorization: `Bearer ${key}` } });
    await waitForLine((l) => l.route === '/v1/environments' && l.method === 'GET' && l.status === 200);
    expect(service.output()).not.toContain(key);
    expect(service.output()).not.toContain(key.slice(6, 30));
  });

  it('logs refused requests too, without a principal', async () => {
    const response = await fetch(`${service.baseUrl}/v1/environments`, { headers: { 'x-api-key': 'sk-sb-wrong-key-000000000000' } });
    expect(response.status).toBe(401);
    const line = await waitForLine((l) => l.request_id === response.headers.get('request-id'));
    expect(line).toMatchObject({ status: 401, route: '/v1/environments', organization_id: null, api_key_id: null });
    expect(service.output()).not.toContain('sk-sb-wrong-key');
  });
});
