import Anthropic, { PermissionDeniedError } from '@anthropic-ai/sdk';
import { sql } from '../../src/database/database';
import { expectError } from '../support/envelope';
import { Client, uniqueName } from '../support/fixtures';
import { eventCount, http, TestApp, withTestApp } from '../support/test-app';

/**
 * Key administration over HTTP (admin keys, own organization only), the
 * keys' history, and scoped keys through the official SDK.
 */
const KEY_FIELDS = ['created_at', 'expires_at', 'id', 'key_hint', 'last_used_at', 'name', 'revoked_at', 'scope', 'status', 'type', 'workspace_id'];

describe('API keys over HTTP', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));

  async function adminOf(organization = uniqueName('keys-org')): Promise<Client & { id: string }> {
    const created = await t.createKey(organization, { scope: 'admin', name: 'first admin' });
    return { baseUrl: t.baseUrl, key: created.key, id: created.id };
  }

  it('creates a key whose secret is shown once, lists and retrieves it without the secret, and the key works at its scope', async () => {
    const admin = await adminOf();
    const created = await http(admin, 'POST', '/v1/api_keys', {
      body: { name: 'auditor', scope: 'read' },
      headers: { 'user-agent': 'keys-test/1.0' },
    });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual([...KEY_FIELDS, 'key'].sort());
    expect(created.body).toMatchObject({ type: 'api_key', name: 'auditor', scope: 'read', status: 'active', expires_at: null, revoked_at: null });
    expect(created.body.id).toMatch(/^apikey_[0-9A-Za-z]{24}$/);
    expect(created.body.key).toMatch(/^sk-sb-[0-9A-Za-z]{40}$/);
    expect(created.body.key_hint).toBe(`sk-sb-...${created.body.key.slice(-4)}`);
    expect(created.body.workspace_id).toMatch(/^wrkspc_/);
    const secret: string = created.body.key;

    const listed = await http(admin, 'GET', '/v1/api_keys');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual([created.body.id, admin.id]);
    const retrieved = await http(admin, 'GET', `/v1/api_keys/${created.body.id}`);
    expect(Object.keys(retrieved.body).sort()).toEqual(KEY_FIELDS);
    for (const text of [JSON.stringify(listed.body), JSON.stringify(retrieved.body)]) expect(text).not.toContain(secret);

    const auditor = { baseUrl: t.baseUrl, key: secret };
    expect((await http(auditor, 'GET', '/v1/environments')).status).toBe(200);
    const before = await eventCount(t);
    expectError(await http(auditor, 'POST', '/v1/environments', { body: { name: 'nope' } }), 403, 'permission_error', 'insufficient_scope');
    expectError(await http(auditor, 'GET', '/v1/api_keys'), 403, 'permission_error', 'insufficient_scope');
    expect(await eventCount(t)).toBe(before);
  });

  it('pages the keys newest first with the same cursor rules as environments', async () => {
    const admin = await adminOf();
    for (let i = 0; i < 4; i++) expect((await http(admin, 'POST', '/v1/api_keys', { body: { name: `k${i}` } })).status).toBe(200);
    const first = await http(admin, 'GET', '/v1/api_keys?limit=2');
    expect(first.body.data.map((k: { name: string }) => k.name)).toEqual(['k3', 'k2']);
    expect(first.body.next_page).toMatch(/^page_/);
    const second = await http(admin, 'GET', `/v1/api_keys?limit=2&page=${first.body.next_page}`);
    expect(second.body.data.map((k: { name: string }) => k.name)).toEqual(['k1', 'k0']);
    const third = await http(admin, 'GET', `/v1/api_keys?limit=2&page=${second.body.next_page}`);
    expect(third.body.data.map((k: { name: string }) => k.name)).toEqual(['first admin']);
    expect(third.body).not.toHaveProperty('next_page');
    expectError(await http(admin, 'GET', '/v1/api_keys?page=garbage'), 400, 'invalid_request_error');
  });

  it('refuses bad bodies with a 400 and changes nothing', async () => {
    const admin = await adminOf();
    const before = await eventCount(t);
    const bad: unknown[] = [
      {},
      { name: '' },
      { name: 'x'.repeat(257) },
      { name: 'k', scope: 'root' },
      { name: 'k', expires_at: 'tomorrow' },
      { name: 'k', expires_at: '2001-01-01T00:00:00Z' },
      { name: 'k', secret: 'sk-sb-chosen-by-me-000000' },
      { name: 7 },
    ];
    for (const body of bad) expectError(await http(admin, 'POST', '/v1/api_keys', { body }), 400, 'invalid_request_error', undefined, { what: JSON.stringify(body) });
    expect(await eventCount(t)).toBe(before);
  });

  it('an expiring key works until it expires, then gets 401 like a revoked one', async () => {
    const admin = await adminOf();
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await http(admin, 'POST', '/v1/api_keys', { body: { name: 'short-lived', scope: 'read', expires_at: expiresAt } });
    expect(created.body.expires_at).toBe(expiresAt);
    const shortLived = { baseUrl: t.baseUrl, key: created.body.key };
    expect((await http(shortLived, 'GET', '/v1/environments')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expectError(await http(shortLived, 'GET', '/v1/environments'), 401, 'authentication_error');
    expect((await http(admin, 'GET', `/v1/api_keys/${created.body.id}`)).body.status).toBe('expired');
  });

  it('revokes a key at once; the last active admin key cannot be revoked; another organization sees a 404', async () => {
    const admin = await adminOf();
    const writer = (await http(admin, 'POST', '/v1/api_keys', { body: { name: 'writer', scope: 'write' } })).body;
    const revoked = await http(admin, 'POST', `/v1/api_keys/${writer.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: writer.id, status: 'revoked', revoked_at: expect.any(String) });
    expectError(await http({ baseUrl: t.baseUrl, key: writer.key }, 'GET', '/v1/environments'), 401, 'authentication_error');
    expect((await http(admin, 'POST', `/v1/api_keys/${writer.id}/revoke`)).status).toBe(200);

    const before = await eventCount(t);
    expectError(await http(admin, 'POST', `/v1/api_keys/${admin.id}/revoke`), 409, 'conflict_error', 'last_admin_key');
    expect(await eventCount(t)).toBe(before);
    const second = (await http(admin, 'POST', '/v1/api_keys', { body: { name: 'second admin', scope: 'admin' } })).body;
    expect((await http(admin, 'POST', `/v1/api_keys/${admin.id}/revoke`)).status).toBe(200);
    const secondAdmin = { baseUrl: t.baseUrl, key: second.key };
    expectError(await http(secondAdmin, 'POST', `/v1/api_keys/${second.id}/revoke`), 409, 'conflict_error', 'last_admin_key');

    const stranger = await adminOf();
    expectError(await http(stranger, 'GET', `/v1/api_keys/${second.id}`), 404, 'not_found_error', 'api_key_not_found');
    expectError(await http(stranger, 'POST', `/v1/api_keys/${second.id}/revoke`), 404, 'not_found_error', 'api_key_not_found');
    expect((await http(stranger, 'GET', '/v1/api_keys')).body.data.map((k: { id: string }) => k.id)).toEqual([stranger.id]);
  });

  it('rotates a key over HTTP: same id, name and scope, a new secret shown once; the old one stops at once or after the grace period', async () => {
    const admin = await adminOf();
    const created = (await http(admin, 'POST', '/v1/api_keys', { body: { name: 'rotated', scope: 'read' } })).body;
    const at = (key: string) => http({ baseUrl: t.baseUrl, key }, 'GET', '/v1/environments');

    const now = await http(admin, 'POST', `/v1/api_keys/${created.id}/rotate`);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ id: created.id, name: 'rotated', scope: 'read', status: 'active' });
    expect(now.body.key).toMatch(/^sk-sb-/);
    expect(now.body.key_hint).toBe(`sk-sb-...${now.body.key.slice(-4)}`);
    expect((await at(created.key)).status).toBe(401);
    expect((await at(now.body.key)).status).toBe(200);

    const graceful = await http(admin, 'POST', `/v1/api_keys/${created.id}/rotate`, { body: { grace_seconds: 600 } });
    expect((await at(now.body.key)).status).toBe(200);
    expect((await at(graceful.body.key)).status).toBe(200);
    expect(JSON.stringify((await http(admin, 'GET', `/v1/api_keys/${created.id}`)).body)).not.toContain(graceful.body.key);

    const before = await eventCount(t);
    for (const body of [{ grace_seconds: -1 }, { grace_seconds: 'soon' }, { grace_seconds: 31 * 86_400 }, { grace: 5 }]) {
      expectError(await http(admin, 'POST', `/v1/api_keys/${created.id}/rotate`, { body }), 400, 'invalid_request_error', undefined, { what: JSON.stringify(body) });
    }
    expect(await eventCount(t)).toBe(before);
    const history = (await http(admin, 'GET', '/v1/api_key_versions')).body.data.filter((v: { api_key_id: string }) => v.api_key_id === created.id);
    expect(history.map((v: { operation: string }) => v.operation)).toEqual(['rotated', 'rotated', 'created']);
  });

  it('records when a key was last used, at most once a minute and after the answer', async () => {
    const admin = await adminOf();
    const created = (await http(admin, 'POST', '/v1/api_keys', { body: { name: 'used', scope: 'read' } })).body;
    expect(created.last_used_at).toBeNull();
    const used = await http({ baseUrl: t.baseUrl, key: created.key }, 'GET', '/v1/environments');
    expect(used.status).toBe(200);
    let lastUsedAt: string | null = null;
    for (let i = 0; i < 50 && lastUsedAt === null; i++) {
      lastUsedAt = (await http(admin, 'GET', `/v1/api_keys/${created.id}`)).body.last_used_at;
      if (lastUsedAt === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lastUsedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // A second use within the minute is not written again.
    await http({ baseUrl: t.baseUrl, key: created.key }, 'GET', '/v1/environments');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await http(admin, 'GET', `/v1/api_keys/${created.id}`)).body.last_used_at).toBe(lastUsedAt);
  });

  it('records every key change in the organization history with its actor, request id and source', async () => {
    const admin = await adminOf();
    const created = await http(admin, 'POST', '/v1/api_keys', { body: { name: 'tracked', scope: 'write' }, headers: { 'user-agent': 'history-test/2.0' } });
    const revoked = await http(admin, 'POST', `/v1/api_keys/${created.body.id}/revoke`, { headers: { 'user-agent': 'history-test/2.0' } });
    const reader = (await http(admin, 'POST', '/v1/api_keys', { body: { name: 'reader', scope: 'read' } })).body;
    const history = await http({ baseUrl: t.baseUrl, key: reader.key }, 'GET', '/v1/api_key_versions');
    expect(history.status).toBe(200);
    const ofTracked = history.body.data.filter((v: { api_key_id: string }) => v.api_key_id === created.body.id);
    expect(ofTracked.map((v: { version: number; operation: string }) => [v.version, v.operation])).toEqual([
      [2, 'revoked'],
      [1, 'created'],
    ]);
    const createdBy = { type: 'api_actor', api_key_id: admin.id, ip_address: '127.0.0.1', user_agent: 'history-test/2.0' };
    expect(ofTracked[1]).toMatchObject({
      type: 'api_key_version',
      id: expect.stringMatching(/^keyver_/),
      created_by: createdBy,
      request_id: created.headers.get('request-id'),
      changes: [
        { path: 'name', from: null, to: 'tracked' },
        { path: 'scope', from: null, to: 'write' },
      ],
      api_key: { id: created.body.id, name: 'tracked', scope: 'write', revoked_at: null },
    });
    expect(ofTracked[0]).toMatchObject({ created_by: createdBy, request_id: revoked.headers.get('request-id') });
    expect(JSON.stringify(history.body)).not.toContain(created.body.key);
    expect(JSON.stringify(history.body)).not.toMatch(/key_hash/);
    const stranger = await adminOf();
    expect((await http(stranger, 'GET', '/v1/api_key_versions')).body.data.every((v: { api_key_id: string }) => v.api_key_id === stranger.id)).toBe(true);
  });

  it('never stores a secret: only hashes are in the database and the event log', async () => {
    const admin = await adminOf();
    const created = (await http(admin, 'POST', '/v1/api_keys', { body: { name: 'hashed' } })).body;
    const rows = await t.db.query<Record<string, unknown>>(sql`SELECT * FROM api_keys WHERE id = ${created.id}`);
    expect(JSON.stringify(rows)).not.toContain(created.key);
    const events = await t.db.query<Record<string, unknown>>(sql`SELECT data, metadata FROM events WHERE stream_id = ${`api_key-${created.id}`}`);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(created.key);
  });

  describe('through the official SDK', () => {
    it('a read key create raises PermissionDeniedError with error code insufficient_scope', async () => {
      const admin = await adminOf();
      const reader = (await http(admin, 'POST', '/v1/api_keys', { body: { name: 'sdk reader', scope: 'read' } })).body;
      const client = new Anthropic({ apiKey: reader.key, baseURL: t.baseUrl, maxRetries: 0 });
      expect((await client.beta.environments.list()).data).toEqual([]);
      const before = await eventCount(t);
      const failure = await client.beta.environments.create({ name: 'not allowed' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PermissionDeniedError);
      const error = failure as PermissionDeniedError;
      expect(error.status).toBe(403);
      expect(error.details).toEqual({ error_code: 'insufficient_scope' });
      expect(error.errorCode).toBe('insufficient_scope');
      expect(await eventCount(t)).toBe(before);
    });
  });
});
