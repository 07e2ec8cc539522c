import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../support/cli';
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
    for (const [args, usage] of [
      [['keys', 'bogus'], 'Usage: sandbase keys [options] [command]'],
      [['keys', 'create'], 'Usage: sandbase keys create [options]'],
      [['nonsense'], 'Usage: sandbase [options] [command]'],
      [[], 'Usage: sandbase [options] [command]'],
    ] as const) {
      const result = await cli(t, [...args]);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr + result.stdout).toContain(usage);
    }
    const missing = await cli(t, ['keys', 'revoke', 'apikey_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No API key with id apikey_nope');
  });

  it('--help prints the generated usage of every command on standard output and exits 0', async () => {
    const overview = await cli(t, ['--help']);
    expect(overview.code).toBe(0);
    for (const command of ['keys', 'environments', 'projections', 'audit', 'export', 'import']) {
      expect(overview.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    const verify = await cli(t, ['audit', 'verify', '--help']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('Usage: sandbase audit verify [options]');
    for (const option of ['--org <name>', '--checkpoints <dir>', '--json']) expect(verify.stdout).toContain(option);
  });

  it.each([
    // An unknown option is named, with the options the command does take (its help) after it.
    [['audit', 'verify', '--checkpoint', '/tmp/x'], [/unknown option '--checkpoint'/, /--org <name>/, /--checkpoints <dir>/, /--json/]],
    [['audit', 'export', '--sinc', '2026-01-01T00:00:00Z'], [/unknown option '--sinc'/]],
    [['projections', 'verify', '--org', 'x'], [/unknown option '--org'/]],
    [['keys', 'list', 'extra'], [/too many arguments for 'list'/]],
    [['keys', 'revoke', 'apikey_a', 'apikey_b'], [/too many arguments for 'revoke'\. Expected 1 argument but got 2/]],
    [['export', '--in', 'x'], [/unknown option '--in'/, /--out <file>/]],
  ])('refuses %j with exit 2 rather than ignoring what it does not know', async (args, messages) => {
    const result = await cli(t, args);
    expect(result.code).toBe(2);
    for (const message of messages) expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('the sandbase bin runs the built CLI', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.bin).toEqual({ sandbase: 'dist/src/cli/main.js' });
    expect(readFileSync(join(ROOT, 'src/cli/main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
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
      ['created', { type: 'api_actor', api_key_id: expect.stringMatching(/^apikey_/), ip_address: '127.0.0.1', user_agent: expect.any(String) }, expect.stringMatching(/^req_/)],
    ]);
    const missing = await cli(t, ['environments', 'delete', env.body.id]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`No environment with id ${env.body.id}`);
    expect((await http(t, 'GET', '/v1/environment_versions/verify')).body.valid).toBe(true);
  });
});

describe('admin CLI: scoped, named, expiring and rotated keys', () => {
  // Each test runs the CLI a dozen times (a process start each).
  jest.setTimeout(240_000);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('creates a named read key that expires, and refuses a scope or duration it does not know', async () => {
    const created = await cli(t, ['keys', 'create', '--org', 'cli-scopes', '--name', 'auditor', '--scope', 'read', '--expires-in', '90d', '--json']);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ name: 'auditor', scope: 'read', organization: 'cli-scopes', status: 'active' });
    // 90 days from when the CLI read the clock, a moment before the key's creation was recorded.
    const lifetime = Date.parse(key.expires_at) - Date.parse(key.created_at);
    expect(Math.abs(lifetime - 90 * 86_400_000)).toBeLessThan(60_000);
    const reader = { baseUrl: t.baseUrl, key: key.key };
    expect((await http(reader, 'GET', '/v1/environments')).status).toBe(200);
    expect((await http(reader, 'POST', '/v1/environments', { body: { name: 'no' } })).status).toBe(403);

    const listed = await cli(t, ['keys', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${key.id} .*scope=read .*name="auditor"`));
    for (const args of [
      ['keys', 'create', '--org', 'x', '--scope', 'root'],
      ['keys', 'create', '--org', 'x', '--expires-in', '90 days'],
      ['keys', 'rotate', key.id, '--grace', 'soon'],
    ]) {
      const refused = await cli(t, args);
      expect({ args, code: refused.code }).toEqual({ args, code: 2 });
    }
  });

  it('rotates a key: same id, name and scope, a new secret; the old one stops at once, or after the grace period', async () => {
    const created = JSON.parse((await cli(t, ['keys', 'create', '--org', 'cli-rotate', '--name', 'ci', '--scope', 'write', '--json'])).stdout);
    const at = (key: string) => http({ baseUrl: t.baseUrl, key }, 'GET', '/v1/environments');

    const immediate = await cli(t, ['keys', 'rotate', created.id, '--json']);
    expect(immediate.code).toBe(0);
    const second = JSON.parse(immediate.stdout).key as string;
    expect((await at(created.key)).status).toBe(401);
    expect((await at(second)).status).toBe(200);

    const graceful = await cli(t, ['keys', 'rotate', created.id, '--grace', '10m']);
    expect(graceful.code).toBe(0);
    const third = /New secret \(shown only now, store it safely\): (sk-sb-\S+)/.exec(graceful.stdout)![1];
    expect((await at(second)).status).toBe(200);
    expect((await at(third)).status).toBe(200);
    expect(graceful.stdout).not.toContain(second);

    const listed = JSON.parse(
      (await cli(t, ['keys', 'list', '--json'])).stdout.split('\n').find((line) => line.includes(created.id))!,
    );
    expect(listed).toMatchObject({ id: created.id, name: 'ci', scope: 'write', key_hint: `sk-sb-...${third.slice(-4)}` });
    // Neither the audit history nor the full export (keys as hashes, the event log) holds a secret.
    for (const args of [['audit', 'export'], ['export']]) {
      const exported = await runCli(args, { DATABASE_URL: t.database.url });
      expect(exported.code).toBe(0);
      for (const secret of [created.key, second, third]) expect(exported.stdout).not.toContain(secret);
    }

    // Revoking ends the grace period too.
    expect((await cli(t, ['keys', 'revoke', created.id])).code).toBe(0);
    expect((await at(second)).status).toBe(401);
    expect((await at(third)).status).toBe(401);
  });
});
