import { expectNotFound } from '../support/envelope';
import {
  Client,
  createEnvironment,
  freshOrganization as freshOrganizationOf,
  randomBase62,
  randomEnvironmentId,
  uniqueName,
} from '../support/fixtures';
import { runCli } from '../support/cli';
import { http, startTestApp, TestApp, withTestApp } from '../support/test-app';

/**
 * Organizations, client headers and the admin CLI. Organizations never see
 * each other's environments (404, never 403); the SDK's headers are accepted
 * and not required; API keys are managed by an operator with the CLI, run as
 * a real subprocess against the database of the running service.
 */

/** The admin CLI as a subprocess, on the test app's database. */
const cli = (t: TestApp, args: string[]) => runCli(args, { DATABASE_URL: t.database.url });

function jsonLines(stdout: string): any[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

describe('organizations, client headers and the admin CLI', () => {
  let t: TestApp;
  const unique = uniqueName;

  withTestApp((app) => (t = app));

  const organization = (): Promise<Client> => freshOrganizationOf(t);

  const create = (client: Client, body: Record<string, unknown> = {}): Promise<any> => createEnvironment(client, body);

  // ---------------------------------------------------------------- isolation

  describe('organization isolation', () => {
    it('another organization cannot list, retrieve, update, archive or delete an environment (404, never 403)', async () => {
      const owner = await organization();
      const stranger = await organization();
      const env = await create(owner, { description: 'private', metadata: { secret: 'yes' } });
      const ownersHistory = (await http(owner, 'GET', `/v1/environments/${env.id}/versions`)).body;

      expectNotFound(await http(stranger, 'GET', `/v1/environments/${env.id}`));
      expectNotFound(await http(stranger, 'GET', `/v1/environments/${env.id}?version=1`));
      expectNotFound(await http(stranger, 'POST', `/v1/environments/${env.id}`, { body: { description: 'hijacked' } }));
      expectNotFound(await http(stranger, 'POST', `/v1/environments/${env.id}/archive`));
      expectNotFound(await http(stranger, 'DELETE', `/v1/environments/${env.id}`));
      expectNotFound(await http(stranger, 'GET', `/v1/environments/${env.id}/versions`));

      for (const query of ['', '?include_archived=true', '?limit=100&include_archived=true']) {
        const list = await http(stranger, 'GET', `/v1/environments${query}`);
        expect(list.status).toBe(200);
        expect(list.body.data.map((e: any) => e.id)).not.toContain(env.id);
      }
      const history = await http(stranger, 'GET', `/v1/environment_versions?environment_id=${env.id}`);
      expect(history.status).toBe(200);
      expect(history.body.data).toEqual([]);

      // The owner's environment is exactly as it was, with no new history.
      const after = await http(owner, 'GET', `/v1/environments/${env.id}`);
      expect(after.status).toBe(200);
      expect(after.body).toEqual(env);
      expect((await http(owner, 'GET', `/v1/environments/${env.id}/versions`)).body).toEqual(ownersHistory);
    });

    it("another organization's archived environment stays invisible too", async () => {
      const owner = await organization();
      const stranger = await organization();
      const env = await create(owner);
      expect((await http(owner, 'POST', `/v1/environments/${env.id}/archive`)).status).toBe(200);
      expectNotFound(await http(stranger, 'GET', `/v1/environments/${env.id}`));
      const list = await http(stranger, 'GET', '/v1/environments?include_archived=true');
      expect(list.body.data).toEqual([]);
    });

    it("each organization lists only its own environments", async () => {
      const a = await organization();
      const b = await organization();
      const fromA = [await create(a), await create(a)];
      const fromB = [await create(b)];
      const listA = await http(a, 'GET', '/v1/environments');
      const listB = await http(b, 'GET', '/v1/environments');
      expect(listA.body.data.map((e: any) => e.id).sort()).toEqual(fromA.map((e) => e.id).sort());
      expect(listB.body.data.map((e: any) => e.id)).toEqual(fromB.map((e) => e.id));
    });

    it('the same name may exist in two organizations, each independent of the other', async () => {
      const a = await organization();
      const b = await organization();
      const name = unique('shared-name');
      const inA = await create(a, { name, description: 'A' });
      const inB = await create(b, { name, description: 'B' });
      expect(inA.id).not.toBe(inB.id);
      expect([inA.name, inB.name]).toEqual([name, name]);
      // Within one organization it is still taken.
      const again = await http(a, 'POST', '/v1/environments', { body: { name } });
      expect(again.status).toBe(409);
      // Deleting in one organization does not touch the other.
      expect((await http(a, 'DELETE', `/v1/environments/${inA.id}`)).status).toBe(200);
      expect((await http(b, 'GET', `/v1/environments/${inB.id}`)).body).toEqual(inB);
    });

    it('two keys of one organization see the same environments', async () => {
      const orgName = unique('two-keys');
      const first = await t.createKey(orgName);
      const second = await t.createKey(orgName);
      const env = await create({ baseUrl: t.baseUrl, key: first.key });
      const seen = await http({ baseUrl: t.baseUrl, key: second.key }, 'GET', `/v1/environments/${env.id}`);
      expect(seen.status).toBe(200);
      expect(seen.body).toEqual(env);
    });

    it('a random well-formed id answers exactly like a foreign one', async () => {
      const owner = await organization();
      const stranger = await organization();
      const env = await create(owner);
      const missing = randomEnvironmentId();
      const foreign = await http(stranger, 'GET', `/v1/environments/${env.id}`);
      const absent = await http(stranger, 'GET', `/v1/environments/${missing}`);
      expect(foreign.status).toBe(absent.status);
      expect(foreign.body.error.type).toBe(absent.body.error.type);
      expect(foreign.body.error.details).toEqual(absent.body.error.details);
      expect(foreign.body.error.message.split(env.id).join('<id>')).toBe(absent.body.error.message.split(missing).join('<id>'));
    });
  });

  // ---------------------------------------------------------------- client headers

  describe('client headers', () => {
    const SDK_HEADERS: Record<string, string>[] = [
      { 'anthropic-version': '2023-06-01' },
      { 'anthropic-version': '2026-10-21' },
      { 'anthropic-beta': 'managed-agents-2026-04-01' },
      { 'anthropic-beta': 'managed-agents-2026-04-01,some-other-beta-2025-01-01' },
      {
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'managed-agents-2026-04-01',
        'x-stainless-lang': 'js',
        'x-stainless-package-version': '1.12.0',
        'x-stainless-os': 'Linux',
        'x-stainless-arch': 'x64',
        'x-stainless-runtime': 'node',
        'x-stainless-runtime-version': 'v20.19.0',
        'x-stainless-retry-count': '0',
        'x-stainless-timeout': '600',
        'x-stainless-helper-method': 'stream',
        'user-agent': 'Anthropic/JS 1.12.0',
        'x-request-id': 'client-chosen',
        accept: 'application/json',
      },
    ];

    it.each(SDK_HEADERS.map((headers) => [Object.keys(headers).join(', '), headers]))(
      'accepts %s on every endpoint',
      async (_label, headers) => {
        const name = unique('headers');
        const created = await http(t, 'POST', '/v1/environments', { body: { name }, headers });
        expect(created.status).toBe(200);
        const id = created.body.id;
        const retrieved = await http(t, 'GET', `/v1/environments/${id}`, { headers });
        expect(retrieved.status).toBe(200);
        expect(retrieved.body).toEqual(created.body);
        const updated = await http(t, 'POST', `/v1/environments/${id}`, { body: { description: 'with headers' }, headers });
        expect(updated.status).toBe(200);
        expect(updated.body.description).toBe('with headers');
        const listed = await http(t, 'GET', '/v1/environments?limit=100', { headers });
        expect(listed.status).toBe(200);
        expect(listed.body.data.map((e: any) => e.id)).toContain(id);
        const archived = await http(t, 'POST', `/v1/environments/${id}/archive`, { headers });
        expect(archived.status).toBe(200);
        const deleted = await http(t, 'DELETE', `/v1/environments/${id}`, { headers });
        expect(deleted.status).toBe(200);
        expect(deleted.body).toEqual({ id, type: 'environment_deleted' });
      },
    );

    it('requires none of them: a request with only the key works', async () => {
      // fetch adds a few headers of its own; send none of the SDK's.
      const response = await fetch(`${t.baseUrl}/v1/environments`, {
        method: 'POST',
        headers: { 'x-api-key': t.key, 'content-type': 'application/json' },
        body: JSON.stringify({ name: unique('bare') }),
      });
      expect(response.status).toBe(200);
      const list = await fetch(`${t.baseUrl}/v1/environments`, { headers: { authorization: `Bearer ${t.key}` } });
      expect(list.status).toBe(200);
      expect(list.headers.get('request-id')).toMatch(/^req_/);
    });

    it('does not let client headers stand in for a key', async () => {
      const response = await http(t, 'GET', '/v1/environments', {
        key: null,
        headers: { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'managed-agents-2026-04-01', 'x-stainless-lang': 'js' },
      });
      expect(response.status).toBe(401);
      expect(response.body.error.type).toBe('authentication_error');
    });
  });

  // ---------------------------------------------------------------- CLI

  describe('admin CLI (keys)', () => {
    it('creates, lists and revokes a key; the running service honours each step at once', async () => {
      const created = await cli(t, ['keys', 'create', '--org', 'acme', '--json']);
      expect(created.code).toBe(0);
      const lines = created.stdout.split('\n').filter((line) => line.trim() !== '');
      expect(lines).toHaveLength(1);
      const key = JSON.parse(lines[0]);
      // The key as the admin API shows it, with its secret (only here) and its organization's name.
      expect(key).toEqual({
        type: 'api_key',
        id: expect.stringMatching(/^apikey_[0-9A-Za-z]+$/),
        key: expect.stringMatching(/^sk-sb-[0-9A-Za-z_-]+$/),
        organization: 'acme',
        name: null,
        scope: 'write',
        workspace_id: expect.stringMatching(/^wrkspc_/),
        key_hint: expect.stringMatching(/^sk-sb-\.\.\./),
        status: 'active',
        created_at: expect.any(String),
        expires_at: null,
        last_used_at: null,
        revoked_at: null,
      });

      // The new key works against the running service, in its own organization.
      const acme: Client = { baseUrl: t.baseUrl, key: key.key };
      const env = await create(acme, { name: unique('acme-env') });
      expect((await http(acme, 'GET', `/v1/environments/${env.id}`)).status).toBe(200);
      expect((await http(acme, 'GET', '/v1/environments')).body.data.map((e: any) => e.id)).toEqual([env.id]);
      expect((await http(t, 'GET', `/v1/environments/${env.id}`)).status).toBe(404);
      const viaBearer = await http(acme, 'GET', '/v1/environments', { key: null, headers: { authorization: `Bearer ${key.key}` } });
      expect(viaBearer.status).toBe(200);

      // Listed, without the secret, both as text and as JSON lines.
      const listedJson = await cli(t, ['keys', 'list', '--json']);
      expect(listedJson.code).toBe(0);
      const rows = jsonLines(listedJson.stdout);
      const row = rows.find((r) => r.id === key.id);
      expect(row).toMatchObject({ id: key.id, organization: 'acme', revoked_at: null });
      expect(JSON.stringify(row)).not.toContain(key.key);
      expect(listedJson.stdout).not.toContain(key.key);
      expect(listedJson.stdout).not.toContain(key.key.slice(6, 30));
      const listedText = await cli(t, ['keys', 'list']);
      expect(listedText.code).toBe(0);
      expect(listedText.stdout).toContain(key.id);
      expect(listedText.stdout).not.toContain(key.key);

      // Revoked: 401 at once on the running service, with either header.
      const revoked = await cli(t, ['keys', 'revoke', key.id]);
      expect(revoked.code).toBe(0);
      for (const headers of [{ 'x-api-key': key.key }, { authorization: `Bearer ${key.key}` }] as Record<string, string>[]) {
        const after = await http(acme, 'GET', '/v1/environments', { key: null, headers });
        expect(after.status).toBe(401);
        expect(after.body.error.type).toBe('authentication_error');
        expect(after.body.request_id).toBe(after.headers.get('request-id'));
      }
      const write = await http(acme, 'POST', `/v1/environments/${env.id}`, { body: { description: 'after revoke' } });
      expect(write.status).toBe(401);
      // Still listed, now as revoked; the other keys are unaffected.
      const relisted = jsonLines((await cli(t, ['keys', 'list', '--json'])).stdout);
      expect(relisted.find((r) => r.id === key.id)?.revoked_at).toEqual(expect.any(String));
      expect((await http(t, 'GET', '/v1/environments')).status).toBe(200);
    });

    it('a second key for an existing organization shares its environments', async () => {
      const org = unique('cli-org');
      const first = JSON.parse((await cli(t, ['keys', 'create', '--org', org, '--json'])).stdout.trim());
      const second = JSON.parse((await cli(t, ['keys', 'create', '--org', org, '--json'])).stdout.trim());
      expect(first.id).not.toBe(second.id);
      expect(first.key).not.toBe(second.key);
      const env = await create({ baseUrl: t.baseUrl, key: first.key });
      expect((await http({ baseUrl: t.baseUrl, key: second.key }, 'GET', `/v1/environments/${env.id}`)).status).toBe(200);
    });
  });

  describe('SANDBASE_BOOTSTRAP_API_KEY', () => {
    it('makes that key work at start-up, in organization "default"', async () => {
      const secret = `sk-sb-${randomBase62(24)}`;
      const boot = await startTestApp({ SANDBASE_BOOTSTRAP_API_KEY: secret });
      try {
        const client: Client = { baseUrl: boot.baseUrl, key: secret };
        const env = await create(client, { name: 'bootstrapped' });
        expect((await http(client, 'GET', `/v1/environments/${env.id}`)).status).toBe(200);
        expect((await http(client, 'GET', '/v1/environments')).body.data.map((e: any) => e.id)).toEqual([env.id]);
        // Not the harness's organization.
        expect((await http(boot, 'GET', `/v1/environments/${env.id}`)).status).toBe(404);
        // Also as a Bearer token.
        const bearer = await http(client, 'GET', '/v1/environments', { key: null, headers: { authorization: `Bearer ${secret}` } });
        expect(bearer.status).toBe(200);

        const listed = await cli(boot, ['keys', 'list', '--json']);
        expect(listed.code).toBe(0);
        const rows = jsonLines(listed.stdout);
        for (const row of rows) expect(typeof row.organization).toBe('string');
        const defaults = rows.filter((row) => row.organization === 'default');
        expect(defaults).toHaveLength(1);
        expect(defaults[0].revoked_at).toBeNull();
        expect(listed.stdout).not.toContain(secret);
        // The only other key is the harness's, of "test-org".
        expect(rows.map((row) => row.organization).sort()).toEqual(['default', 'test-org']);
      } finally {
        await boot.close();
      }
    });
  });
});
