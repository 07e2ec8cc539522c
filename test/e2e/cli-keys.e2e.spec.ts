import { runCli } from '../support/cli';
import { http, startTestApp, TestApp } from '../support/test-app';

/** The admin CLI as an operator runs it, against the database of a running service. */
const cli = (t: TestApp, args: string[]) => runCli(args, { DATABASE_URL: t.database.url });

describe('admin CLI: API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('creates a key for a new organization, lists it without the secret, and revokes it at once', async () => {
    const created = await cli(t, ['keys', 'create', '--org', 'acme', '--json']);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout.trim());
    expect(key).toEqual({ id: expect.stringMatching(/^apikey_[0-9A-Za-z]{24}$/), key: expect.stringMatching(/^sk-sb-/), organization: 'acme' });

    const acme = { baseUrl: t.baseUrl, key: key.key };
    const env = await http(acme, 'POST', '/v1/environments', { body: { name: 'acme-env' } });
    expect(env.status).toBe(200);
    // A different organization: the test organization does not see it.
    expect((await http(t, 'GET', `/v1/environments/${env.body.id}`)).status).toBe(404);

    const listed = await cli(t, ['keys', 'list', '--json']);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const row = rows.find((r) => r.id === key.id);
    expect(row).toMatchObject({ organization: 'acme', revoked_at: null });
    expect(listed.stdout).not.toContain(key.key);

    const revoked = await cli(t, ['keys', 'revoke', key.id]);
    expect(revoked.code).toBe(0);
    const after = await http(acme, 'GET', '/v1/environments');
    expect(after.status).toBe(401);
    expect(after.body.error.type).toBe('authentication_error');
  });

  it('adds keys to an existing organization: both see the same environments', async () => {
    const first = JSON.parse((await cli(t, ['keys', 'create', '--org', 'shared', '--json'])).stdout);
    const second = JSON.parse((await cli(t, ['keys', 'create', '--org', 'shared', '--json'])).stdout);
    const env = await http({ baseUrl: t.baseUrl, key: first.key }, 'POST', '/v1/environments', { body: { name: 'shared-env' } });
    expect((await http({ baseUrl: t.baseUrl, key: second.key }, 'GET', `/v1/environments/${env.body.id}`)).status).toBe(200);
  });

  it('exits 2 with usage for unknown commands and missing options, 1 for an unknown key id', async () => {
    expect((await cli(t, ['keys', 'bogus'])).code).toBe(2);
    expect((await cli(t, ['keys', 'create'])).code).toBe(2);
    expect((await cli(t, ['nonsense'])).code).toBe(2);
    const missing = await cli(t, ['keys', 'revoke', 'apikey_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No API key with id apikey_nope');
  });

  it.each([
    [['audit', 'verify', '--checkpoint', '/tmp/x'], /audit verify has no option --checkpoint; it takes --org, --checkpoints, --json/],
    [['audit', 'export', '--sinc', '2026-01-01T00:00:00Z'], /audit export has no option --sinc/],
    [['projections', 'verify', '--org', 'x'], /projections verify has no option --org/],
    [['keys', 'list', 'extra'], /keys list: unexpected "extra"/],
    [['keys', 'revoke', 'apikey_a', 'apikey_b'], /keys revoke: unexpected "apikey_b"/],
    [['export', '--in', 'x'], /export has no option --in; it takes --out/],
  ])('refuses %j with exit 2 rather than ignoring what it does not know', async (args, message) => {
    const result = await cli(t, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('admin CLI: operator actions on environments', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('archives and deletes through the same write path, recorded with the operator as actor', async () => {
    const env = await http(t, 'POST', '/v1/environments', { body: { name: 'operator-target' } });
    expect((await cli(t, ['environments', 'archive', env.body.id])).code).toBe(0);
    expect((await http(t, 'GET', `/v1/environments/${env.body.id}`)).body.archived_at).not.toBeNull();
    expect((await cli(t, ['environments', 'delete', env.body.id])).code).toBe(0);
    expect((await http(t, 'GET', `/v1/environments/${env.body.id}`)).status).toBe(404);
    const versions = await http(t, 'GET', `/v1/environments/${env.body.id}/versions`);
    expect(versions.body.data.map((v: { operation: string; created_by: unknown; request_id: unknown }) => [v.operation, v.created_by, v.request_id])).toEqual([
      ['deleted', { type: 'cli_actor' }, null],
      ['archived', { type: 'cli_actor' }, null],
      ['created', { type: 'api_actor', api_key_id: expect.stringMatching(/^apikey_/) }, expect.stringMatching(/^req_/)],
    ]);
    const missing = await cli(t, ['environments', 'delete', env.body.id]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`No environment with id ${env.body.id}`);
    expect((await http(t, 'GET', '/v1/environment_versions/verify')).body.valid).toBe(true);
  });
});

describe('SANDBASE_BOOTSTRAP_API_KEY', () => {
  it('creates organization "default" with that key at start-up', async () => {
    const secret = 'sk-sb-bootstrap0123456789abcdef';
    const t = await startTestApp({ SANDBASE_BOOTSTRAP_API_KEY: secret });
    try {
      const response = await http({ baseUrl: t.baseUrl, key: secret }, 'POST', '/v1/environments', { body: { name: 'boot' } });
      expect(response.status).toBe(200);
      const rows = (await cli(t, ['keys', 'list', '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(rows.filter((r) => r.organization === 'default')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
