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
      ['created', { type: 'api_actor', api_key_id: expect.stringMatching(/^apikey_/) }, expect.stringMatching(/^req_/)],
    ]);
    const missing = await cli(t, ['environments', 'delete', env.body.id]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`No environment with id ${env.body.id}`);
    expect((await http(t, 'GET', '/v1/environment_versions/verify')).body.valid).toBe(true);
  });
});
