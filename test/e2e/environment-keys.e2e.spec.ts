import { runCli } from '../support/cli';
import { expectBadRequest, expectError, expectNotFound } from '../support/envelope';
import { Client, createEnvironment, expectTimestamp, randomEnvironmentId, uniqueName } from '../support/fixtures';
import { eventCount, http, TestApp, withTestApp } from '../support/test-app';

/**
 * Environment keys: the one credential of a self-hosted environment's
 * workers. Issued over HTTP (secret shown once) and by the CLI, listed,
 * revoked, and revoked with their environment.
 */
const KEY_FIELDS = ['created_at', 'environment_id', 'id', 'key_hint', 'name', 'revoked_at', 'type'];
const ENVKEY_ID = /^envkey_[0-9A-Za-z]{24}$/;
const ENVKEY_SECRET = /^sk-sb-env-[0-9A-Za-z]{40}$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('environment keys', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));

  /** A client of a fresh organization (write scope) and the organization's name. */
  async function organization(): Promise<Client & { organization: string }> {
    const name = uniqueName('envkeys-org');
    return { baseUrl: t.baseUrl, key: (await t.createKey(name)).key, organization: name };
  }

  const selfHosted = (client: Client) => createEnvironment(client, { config: { type: 'self_hosted' } });
  const createKey = (client: Client, envId: string, body: unknown = {}) => http(client, 'POST', `/v1/environments/${envId}/keys`, { body });
  const listKeys = (client: Client, envId: string) => http(client, 'GET', `/v1/environments/${envId}/keys`);
  /** A poll with `key` as the bearer credential, the way workers send it. */
  const poll = (envId: string, key: string) =>
    http(t, 'GET', `/v1/environments/${envId}/work/poll`, { key: null, headers: { authorization: `Bearer ${key}` } });

  /** Polls until the answer has `status` (a key changed by another process may be cached for up to a second). */
  async function pollUntil(envId: string, key: string, status: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await poll(envId, key);
      if (r.status === status) return;
      if (Date.now() > deadline) throw new Error(`poll with the key still answers ${r.status} ${JSON.stringify(r.body)}, not ${status}`);
      await sleep(200);
    }
  }

  describe('over HTTP', () => {
    it('creates a key whose secret is shown once; it polls its environment', async () => {
      const client = await organization();
      const env = await selfHosted(client);
      const created = await createKey(client, env.id, { name: 'rack-7' });
      expect(created.status).toBe(200);
      expect(Object.keys(created.body).sort()).toEqual([...KEY_FIELDS, 'key'].sort());
      expect(created.body).toMatchObject({ type: 'environment_key', environment_id: env.id, name: 'rack-7', revoked_at: null });
      expect(created.body.id).toMatch(ENVKEY_ID);
      expect(created.body.key).toMatch(ENVKEY_SECRET);
      expect(typeof created.body.key_hint).toBe('string');
      expect(created.body.key_hint.endsWith(created.body.key.slice(-4))).toBe(true);
      expect(created.body.key_hint).not.toContain(created.body.key.slice(10, 30));
      expectTimestamp(created.body.created_at);
      const secret: string = created.body.key;

      const listed = await listKeys(client, env.id);
      expect(listed.status).toBe(200);
      const { key: _secret, ...withoutSecret } = created.body;
      expect(listed.body).toEqual({ data: [withoutSecret], next_page: null });
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      const polled = await poll(env.id, secret);
      expect(polled.status).toBe(200);
      expect(polled.body).toBeNull();

      // Nameless keys; the name is at most 128 characters.
      const nameless = await createKey(client, env.id, {});
      expect(nameless.body).toMatchObject({ name: null });
      expect((await createKey(client, env.id, { name: null })).body).toMatchObject({ name: null });
      expect((await createKey(client, env.id, { name: 'n'.repeat(128) })).status).toBe(200);
      const before = await eventCount(t);
      for (const body of [{ name: 'n'.repeat(129) }, { name: 7 }]) {
        expectBadRequest(await createKey(client, env.id, body), undefined, { what: JSON.stringify(body) });
      }
      expect(await eventCount(t)).toBe(before);
    });

    it('lists every key of the environment newest first, revoked ones too, never with a secret', async () => {
      const client = await organization();
      const env = await selfHosted(client);
      const other = await selfHosted(client);
      const made: { id: string; key: string }[] = [];
      for (const name of ['k0', 'k1', 'k2']) made.push((await createKey(client, env.id, { name })).body);
      await createKey(client, other.id, { name: 'elsewhere' });
      expect((await http(client, 'POST', `/v1/environments/${env.id}/keys/${made[1].id}/revoke`)).status).toBe(200);

      const listed = await listKeys(client, env.id);
      expect(listed.body.data.map((k: { name: string }) => k.name)).toEqual(['k2', 'k1', 'k0']);
      expect(listed.body.data.map((k: { revoked_at: string | null }) => k.revoked_at !== null)).toEqual([false, true, false]);
      for (const key of listed.body.data) expect(Object.keys(key).sort()).toEqual(KEY_FIELDS);
      for (const { key } of made) expect(JSON.stringify(listed.body)).not.toContain(key);
      expect(listed.body.next_page).toBeNull();
    });

    it('revokes a key: the next poll with it is 401; other keys keep working', async () => {
      const client = await organization();
      const env = await selfHosted(client);
      const doomed = (await createKey(client, env.id, { name: 'doomed' })).body;
      const kept = (await createKey(client, env.id, { name: 'kept' })).body;
      expect((await poll(env.id, doomed.key)).status).toBe(200);

      const revoked = await http(client, 'POST', `/v1/environments/${env.id}/keys/${doomed.id}/revoke`);
      expect(revoked.status).toBe(200);
      const { key: _secret, ...withoutSecret } = doomed;
      expect(revoked.body).toEqual({ ...withoutSecret, revoked_at: expect.any(String) });
      expectTimestamp(revoked.body.revoked_at);
      expectError(await poll(env.id, doomed.key), 401, 'authentication_error');
      expect((await poll(env.id, kept.key)).status).toBe(200);

      expectNotFound(await http(client, 'POST', `/v1/environments/${env.id}/keys/envkey_000000000000000000000000/revoke`), 'environment_key_not_found');
      // A key is revoked through its own environment only.
      const other = await selfHosted(client);
      expectNotFound(await http(client, 'POST', `/v1/environments/${other.id}/keys/${kept.id}/revoke`), 'environment_key_not_found');
      expect((await poll(env.id, kept.key)).status).toBe(200);
    });

    it("an environment key works for its own environment only", async () => {
      const client = await organization();
      const env = await selfHosted(client);
      const other = await selfHosted(client);
      const key = (await createKey(client, env.id)).body.key;
      expectError(await poll(other.id, key), 403, 'permission_error', 'insufficient_scope');
      expectError(await poll(env.id, 'sk-sb-env-' + '0'.repeat(40)), 401, 'authentication_error');
    });

    it('refuses a cloud environment, an archived one, an unknown one, another organization and a read key', async () => {
      const client = await organization();
      const cloud = await createEnvironment(client);
      const archived = await selfHosted(client);
      expect((await http(client, 'POST', `/v1/environments/${archived.id}/archive`)).status).toBe(200);
      const env = await selfHosted(client);
      const stranger = await organization();
      const reader = { baseUrl: t.baseUrl, key: (await t.createKey(client.organization, { scope: 'read' })).key };
      const before = await eventCount(t);

      expectBadRequest(await createKey(client, cloud.id), 'environment_not_self_hosted');
      expectBadRequest(await createKey(client, archived.id), 'environment_archived');
      expectNotFound(await createKey(client, randomEnvironmentId()), 'environment_not_found');
      expectNotFound(await listKeys(client, randomEnvironmentId()), 'environment_not_found');
      expectNotFound(await createKey(stranger, env.id), 'environment_not_found');
      expectNotFound(await listKeys(stranger, env.id), 'environment_not_found');

      expectError(await createKey(reader, env.id), 403, 'permission_error', 'insufficient_scope');
      expect((await listKeys(reader, env.id)).status).toBe(200);
      expect(await eventCount(t)).toBe(before);

      // The environment key itself administers nothing: a valid credential of the wrong kind.
      const key = (await createKey(client, env.id)).body.key;
      const asKey = (method: string, path: string) => http(t, method, path, { key: null, headers: { authorization: `Bearer ${key}` }, body: method === 'POST' ? {} : undefined });
      for (const [method, path] of [
        ['POST', `/v1/environments/${env.id}/keys`],
        ['GET', `/v1/environments/${env.id}/keys`],
        ['GET', `/v1/environments/${env.id}`],
      ]) {
        expectError(await asKey(method, path), 403, 'permission_error', 'insufficient_scope', { what: `${method} ${path}` });
      }
    });

    it('archiving or deleting the environment revokes its keys', async () => {
      const client = await organization();
      const archived = await selfHosted(client);
      const deleted = await selfHosted(client);
      const a = (await createKey(client, archived.id, { name: 'a' })).body;
      const b = (await createKey(client, deleted.id, { name: 'b' })).body;
      expect((await poll(archived.id, a.key)).status).toBe(200);
      expect((await poll(deleted.id, b.key)).status).toBe(200);

      expect((await http(client, 'POST', `/v1/environments/${archived.id}/archive`)).status).toBe(200);
      expect((await http(client, 'DELETE', `/v1/environments/${deleted.id}`)).status).toBe(200);
      expectError(await poll(archived.id, a.key), 401, 'authentication_error');
      expectError(await poll(deleted.id, b.key), 401, 'authentication_error');
      const listed = await listKeys(client, archived.id);
      expect(listed.body.data).toEqual([expect.objectContaining({ id: a.id, revoked_at: expect.any(String) })]);
      expectTimestamp(listed.body.data[0].revoked_at);
    });

    it('no secret appears in the work history', async () => {
      const client = await organization();
      const env = await selfHosted(client);
      const created = (await createKey(client, env.id)).body;
      const enqueued = await http(client, 'POST', `/v1/environments/${env.id}/work`, { body: { data: { type: 'session', id: 'session_1' } } });
      expect(enqueued.status).toBe(200);
      const polled = await poll(env.id, created.key);
      expect(polled.body?.id).toBe(enqueued.body.id);
      const history = await http(client, 'GET', `/v1/work_versions?environment_id=${env.id}`);
      expect(history.status).toBe(200);
      expect(history.body.data.map((v: { operation: string }) => v.operation)).toEqual(['claimed', 'enqueued']);
      expect(history.body.data[0].created_by).toMatchObject({ type: 'environment_key_actor', environment_key_id: created.id });
      const text = JSON.stringify(history.body);
      expect(text).not.toContain(created.key);
      expect(text).not.toContain(polled.body.secret);
    });
  });

  describe('the CLI', () => {
    // Each run of the CLI is a process start.
    jest.setTimeout(180_000);
    const cli = (args: string[]) => runCli(args, { DATABASE_URL: t.database.url });

    it('creates, lists and revokes keys of a self-hosted environment against the service database', async () => {
      const client = await organization();
      const env = await selfHosted(client);

      const created = await cli(['environments', 'keys', 'create', env.id, '--name', 'from-cli', '--json']);
      expect({ code: created.code, stderr: created.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      const key = JSON.parse(created.stdout);
      expect(key).toMatchObject({ type: 'environment_key', id: expect.stringMatching(ENVKEY_ID), environment_id: env.id, name: 'from-cli', revoked_at: null });
      expect(key.key).toMatch(ENVKEY_SECRET);
      await pollUntil(env.id, key.key, 200);

      // The HTTP listing shows it, without the secret.
      const listed = await listKeys(client, env.id);
      expect(listed.body.data).toEqual([expect.objectContaining({ id: key.id, name: 'from-cli', revoked_at: null })]);
      expect(JSON.stringify(listed.body)).not.toContain(key.key);

      // Without --json, for a person: the id and the secret, once.
      const text = await cli(['environments', 'keys', 'create', env.id]);
      expect(text.code).toBe(0);
      const textSecret = /(sk-sb-env-[0-9A-Za-z]{40})/.exec(text.stdout)?.[1];
      expect(textSecret).toMatch(ENVKEY_SECRET);
      await pollUntil(env.id, textSecret!, 200);

      const viaHttp = (await createKey(client, env.id, { name: 'from-http' })).body;
      const cliList = await cli(['environments', 'keys', 'list', env.id]);
      expect(cliList.code).toBe(0);
      expect(cliList.stdout).toContain(key.id);
      expect(cliList.stdout).toContain(viaHttp.id);
      for (const secret of [key.key, viaHttp.key, textSecret!]) expect(cliList.stdout).not.toContain(secret);

      const revoked = await cli(['environments', 'keys', 'revoke', env.id, key.id]);
      expect(revoked.code).toBe(0);
      await pollUntil(env.id, key.key, 401);
      expectError(await poll(env.id, key.key), 401, 'authentication_error');
      expect((await poll(env.id, viaHttp.key)).status).toBe(200);
      const after = (await listKeys(client, env.id)).body.data.find((k: { id: string }) => k.id === key.id);
      expectTimestamp(after.revoked_at);
    });

    it('refuses a cloud environment, an unknown one and an unknown key with exit 1 and a message', async () => {
      const client = await organization();
      const cloud = await createEnvironment(client);
      const env = await selfHosted(client);
      for (const args of [
        ['environments', 'keys', 'create', cloud.id],
        ['environments', 'keys', 'create', randomEnvironmentId()],
        ['environments', 'keys', 'revoke', env.id, 'envkey_000000000000000000000000'],
      ]) {
        const result = await cli(args);
        expect({ args, code: result.code }).toEqual({ args, code: 1 });
        expect(result.stderr.trim().length).toBeGreaterThan(0);
      }
      const missing = await cli(['environments', 'keys', 'create']);
      expect(missing.code).toBe(2);
    });
  });
});
