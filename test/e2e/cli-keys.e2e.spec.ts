import { runCli } from '../support/cli';
import { http, startTestApp, TestApp } from '../support/test-app';

/** The admin CLI as an operator runs it, against the database of a running service (keys: auth-and-cli.e2e.spec.ts). */
const cli = (t: TestApp, args: string[]) => runCli(args, { DATABASE_URL: t.database.url });

describe('admin CLI: usage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('exits 2 with usage for unknown commands and missing options, 1 for an unknown key id', async () => {
    for (const args of [['keys', 'bogus'], ['keys', 'create'], ['nonsense'], []]) {
      const result = await cli(t, args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr + result.stdout).toContain('Usage: npm run cli -- <command>');
    }
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
