import { ApiKeyCache } from '../../src/auth/api-key-cache';
import { expectError } from '../support/envelope';
import { Client, uniqueName } from '../support/fixtures';
import { http, startTestApp, TestApp } from '../support/test-app';

/**
 * Authenticated keys are cached in memory (SANDBASE_KEY_CACHE_TTL_MS, at most
 * one second): a key changed through this instance is in force for the very
 * next request; through another instance on the same database, once this
 * instance's entry has run out.
 */
describe('the key cache: revocation, rotation and expiry stay exact', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp();
    // A second instance on the same database, with its own cache.
    b = await startTestApp({}, { databaseUrl: a.database.url });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const on = (t: TestApp, key: string): Client => ({ baseUrl: t.baseUrl, key });
  const list = (client: Client) => http(client, 'GET', '/v1/environments');
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function adminAndWriter(): Promise<{ admin: Client; writer: { id: string; key: string } }> {
    const organization = uniqueName('cache-org');
    const admin = await a.createKey(organization, { scope: 'admin' });
    const writer = await a.createKey(organization, { scope: 'write' });
    return { admin: on(a, admin.key), writer };
  }

  it('a key revoked over HTTP gets 401 on the very next request to the same instance, though it was just cached', async () => {
    const { admin, writer } = await adminAndWriter();
    for (let i = 0; i < 3; i++) expect((await list(on(a, writer.key))).status).toBe(200);
    expect((await http(admin, 'POST', `/v1/api_keys/${writer.id}/revoke`)).status).toBe(200);
    expectError(await list(on(a, writer.key)), 401, 'authentication_error');
  });

  it('a rotation without grace refuses the old secret on the very next request; with grace both work', async () => {
    const { admin, writer } = await adminAndWriter();
    expect((await list(on(a, writer.key))).status).toBe(200);
    const rotated = await http(admin, 'POST', `/v1/api_keys/${writer.id}/rotate`);
    expect(rotated.status).toBe(200);
    expectError(await list(on(a, writer.key)), 401, 'authentication_error');
    expect((await list(on(a, rotated.body.key))).status).toBe(200);

    const graceful = await http(admin, 'POST', `/v1/api_keys/${writer.id}/rotate`, { body: { grace_seconds: 600 } });
    expect(graceful.status).toBe(200);
    expect((await list(on(a, rotated.body.key))).status).toBe(200);
    expect((await list(on(a, graceful.body.key))).status).toBe(200);
    // Revoking ends the grace period, at once, for both cached secrets.
    expect((await http(admin, 'POST', `/v1/api_keys/${writer.id}/revoke`)).status).toBe(200);
    expectError(await list(on(a, rotated.body.key)), 401, 'authentication_error');
    expectError(await list(on(a, graceful.body.key)), 401, 'authentication_error');
  });

  it('a cached key is refused by every request that starts after its expires_at', async () => {
    const organization = uniqueName('cache-expiry');
    const expiresAt = Date.now() + 1500;
    const key = await a.createKey(organization, { scope: 'read', expiresAt: new Date(expiresAt).toISOString() });
    let accepted = 0;
    let refused = 0;
    while (refused < 3) {
      const started = Date.now();
      const response = await list(on(a, key.key));
      const finished = Date.now();
      if (started >= expiresAt) {
        expectError(response, 401, 'authentication_error');
        refused++;
      } else if (finished < expiresAt) {
        expect(response.status).toBe(200);
        accepted++;
      }
      await sleep(20);
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('a key revoked on another instance is refused here by every request that starts one TTL after the revocation', async () => {
    const ttl = b.app.get(ApiKeyCache).ttlMs;
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    const { admin, writer } = await adminAndWriter();
    // Cached on B.
    expect((await list(on(b, writer.key))).status).toBe(200);
    expect((await list(on(b, writer.key))).status).toBe(200);
    expect((await http(admin, 'POST', `/v1/api_keys/${writer.id}/revoke`)).status).toBe(200);
    const revokedAt = Date.now();
    // Refused on B eventually (an entry B filled before the revocation may still answer meanwhile) ...
    for (;;) {
      const response = await list(on(b, writer.key));
      if (response.status === 401) break;
      expect(response.status).toBe(200);
      await sleep(50);
    }
    // ... and certainly once the TTL has passed since the revocation committed.
    while (Date.now() < revokedAt + ttl) await sleep(50);
    expectError(await list(on(b, writer.key)), 401, 'authentication_error');
  });

  it('a key revoked on another instance and used there in between still gets refused here', async () => {
    const { admin, writer } = await adminAndWriter();
    expect((await list(on(b, writer.key))).status).toBe(200);
    const before = Date.now();
    expect((await http(admin, 'POST', `/v1/api_keys/${writer.id}/revoke`)).status).toBe(200);
    expectError(await list(on(a, writer.key)), 401, 'authentication_error');
    while (Date.now() < before + b.app.get(ApiKeyCache).ttlMs) await sleep(50);
    expectError(await list(on(b, writer.key)), 401, 'authentication_error');
  });

  it('last_used_at is recorded for a key answered from the cache', async () => {
    const { admin, writer } = await adminAndWriter();
    for (let i = 0; i < 3; i++) expect((await list(on(a, writer.key))).status).toBe(200);
    let lastUsed: string | null = null;
    for (let i = 0; i < 100 && lastUsed === null; i++) {
      lastUsed = (await http(admin, 'GET', `/v1/api_keys/${writer.id}`)).body.last_used_at;
      if (lastUsed === null) await sleep(20);
    }
    expect(lastUsed).toEqual(expect.any(String));
  });
});
