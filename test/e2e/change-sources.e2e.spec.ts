import { sql } from '../../src/database/database';
import { runCli } from '../support/cli';
import { createEnvironment, uniqueName } from '../support/fixtures';
import { http, startTestApp, TestApp } from '../support/test-app';

/**
 * Every recorded change says where it came from, as CloudTrail's
 * sourceIPAddress and userAgent do: in the version object, the NDJSON export
 * and the hash-chained event metadata. X-Forwarded-For is believed only from
 * the proxies in TRUSTED_PROXIES.
 */
describe('where a change came from', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  async function app(env: Record<string, string> = {}): Promise<TestApp> {
    const started = await startTestApp(env);
    apps.push(started);
    return started;
  }

  it('records the peer address and the User-Agent, ignoring X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const t = await app();
    const headers = { 'user-agent': 'deploy-bot/3.1 (+ci)', 'x-forwarded-for': '203.0.113.9' };
    const created = await http(t, 'POST', '/v1/environments', { body: { name: uniqueName('sourced') }, headers });
    expect(created.status).toBe(200);
    const [version] = (await http(t, 'GET', `/v1/environments/${created.body.id}/versions`)).body.data;
    expect(version.created_by).toEqual({ type: 'api_actor', api_key_id: expect.stringMatching(/^apikey_/), ip_address: '127.0.0.1', user_agent: 'deploy-bot/3.1 (+ci)' });

    // The same facts are in the event's metadata, which the organization's hash chain covers.
    const [event] = await t.db.query<{ metadata: unknown }>(sql`SELECT metadata FROM events WHERE stream_id = ${`environment-${created.body.id}`}`);
    const metadata = typeof event.metadata === 'string' ? JSON.parse(event.metadata) : event.metadata;
    expect(metadata.source).toEqual({ ip_address: '127.0.0.1', user_agent: 'deploy-bot/3.1 (+ci)' });
    expect((await http(t, 'GET', '/v1/environment_versions/verify')).body.valid).toBe(true);

    // And in the NDJSON export of the history.
    const exported = await runCli(['audit', 'export'], { DATABASE_URL: t.database.url });
    expect(exported.code).toBe(0);
    const line = exported.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((v) => v.environment_id === created.body.id);
    expect(line.created_by).toMatchObject({ ip_address: '127.0.0.1', user_agent: 'deploy-bot/3.1 (+ci)' });
  });

  it('cuts the User-Agent at 512 characters and records a missing one as null', async () => {
    const t = await app();
    const long = `agent/${'x'.repeat(600)}`;
    const env = await http(t, 'POST', '/v1/environments', { body: { name: uniqueName('long-agent') }, headers: { 'user-agent': long } });
    const [version] = (await http(t, 'GET', `/v1/environments/${env.body.id}/versions`)).body.data;
    expect(version.created_by.user_agent).toBe(long.slice(0, 512));
    const bare = await fetch(`${t.baseUrl}/v1/environments`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-type': 'application/json', 'user-agent': '' },
      body: JSON.stringify({ name: uniqueName('no-agent') }),
    });
    const id = ((await bare.json()) as { id: string }).id;
    const [bareVersion] = (await http(t, 'GET', `/v1/environments/${id}/versions`)).body.data;
    expect(bareVersion.created_by.user_agent).toBeNull();
  });

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    const t = await app({ TRUSTED_PROXIES: '127.0.0.1' });
    const env = await http(t, 'POST', '/v1/environments', { body: { name: uniqueName('proxied') }, headers: { 'x-forwarded-for': '198.51.100.7' } });
    const [version] = (await http(t, 'GET', `/v1/environments/${env.body.id}/versions`)).body.data;
    expect(version.created_by.ip_address).toBe('198.51.100.7');
  });

  it('shows operator changes as cli_actor without a source', async () => {
    const t = await app();
    const env = await createEnvironment(t);
    expect((await runCli(['environments', 'archive', env.id], { DATABASE_URL: t.database.url })).code).toBe(0);
    const [archived] = (await http(t, 'GET', `/v1/environments/${env.id}/versions`)).body.data;
    expect(archived).toMatchObject({ operation: 'archived', created_by: { type: 'cli_actor' } });
  });
});

describe('the anthropic-workspace-id header', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('is accepted when it names the organization\'s workspace, and refused with a 400 naming it otherwise', async () => {
    const admin = await t.createKey(uniqueName('workspace-org'), { scope: 'admin' });
    const client = { baseUrl: t.baseUrl, key: admin.key };
    const own = (await http(client, 'GET', `/v1/api_keys/${admin.id}`)).body.workspace_id;
    expect(own).toMatch(/^wrkspc_[0-9A-Za-z]{24}$/);
    expect((await http(client, 'GET', '/v1/environments', { headers: { 'anthropic-workspace-id': own } })).status).toBe(200);
    const other = await http(client, 'GET', '/v1/environments', { headers: { 'anthropic-workspace-id': 'wrkspc_someoneelse' } });
    expect(other.status).toBe(400);
    expect(other.body.error.message).toContain(own);
    expect(other.body.error.message).toContain('wrkspc_someoneelse');
  });
});
