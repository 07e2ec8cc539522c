import Anthropic from '@anthropic-ai/sdk';
import { Database, sql } from '../../src/database/database';
import { IdempotencyPurger } from '../../src/idempotency/idempotency-purger';
import { createTestDatabase, TestDatabase } from '../support/database';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { eventCount, http, HttpResult, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(180_000);

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const withKey = (key: string, extra: Record<string, string> = {}) => ({ 'idempotency-key': key, ...extra });

async function environmentsNamed(db: Database, name: string): Promise<number> {
  const rows = await db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM environments WHERE name = ${name}`);
  return Number(rows[0].n);
}

function expectReplayOf(replay: HttpResult, first: HttpResult): void {
  expect(replay.status).toBe(first.status);
  expect(replay.body).toEqual(first.body);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
}

describe('Idempotency-Key on POST', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('replays the stored status and body with idempotent-replayed: true; nothing runs again', async () => {
    const key = unique('replay');
    const name = unique('env');
    const first = await http(t, 'POST', '/v1/environments', { body: { name, metadata: { b: '2', a: '1' } }, headers: withKey(key) });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const events = await eventCount(t);
    // The same body with its keys in another order and other whitespace is the same request.
    const replay = await http(t, 'POST', '/v1/environments', {
      body: `{ "metadata": {"a":"1","b":"2"},   "name": ${JSON.stringify(name)} }`,
      headers: withKey(key),
    });
    expectReplayOf(replay, first);
    expect(await eventCount(t)).toBe(events);
    expect(await environmentsNamed(t.db, name)).toBe(1);
  });

  it('replays updates, archives and key administration alike', async () => {
    const admin = { baseUrl: t.baseUrl, key: (await t.createKey('test-org', { scope: 'admin' })).key };
    const created = await http(t, 'POST', '/v1/environments', { body: { name: unique('env') } });
    const id = created.body.id as string;
    for (const [path, body] of [
      [`/v1/environments/${id}`, { description: 'once' }],
      [`/v1/environments/${id}/archive`, undefined],
      ['/v1/api_keys', { name: 'idempotent key', scope: 'read' }],
    ] as const) {
      const key = unique('admin');
      const first = await http(admin, 'POST', path, { body, headers: withKey(key) });
      expect(first.status).toBe(200);
      const events = await eventCount(t);
      expectReplayOf(await http(admin, 'POST', path, { body, headers: withKey(key) }), first);
      expect(await eventCount(t)).toBe(events);
      // A replayed key creation carries the same secret, the one that works.
      if (path === '/v1/api_keys') expect((await http({ baseUrl: t.baseUrl, key: first.body.key }, 'GET', '/v1/environments')).status).toBe(200);
    }
    const current = await http(t, 'GET', `/v1/environments/${id}`);
    expect(current.body.version).toBe(3);
    const newKey = await http(admin, 'POST', '/v1/api_keys', { body: { name: 'to revoke' } });
    const revokeKey = unique('revoke');
    const revoked = await http(admin, 'POST', `/v1/api_keys/${newKey.body.id}/revoke`, { headers: withKey(revokeKey) });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: newKey.body.id, status: 'revoked' });
    expectReplayOf(await http(admin, 'POST', `/v1/api_keys/${newKey.body.id}/revoke`, { headers: withKey(revokeKey) }), revoked);
    expect((await http({ baseUrl: t.baseUrl, key: newKey.body.key }, 'GET', '/v1/environments')).status).toBe(401);
  });

  it('refuses the same key with a different body or path: 422 idempotency_key_reused, x-should-retry: false, nothing runs', async () => {
    const key = unique('mismatch');
    const name = unique('env');
    const first = await http(t, 'POST', '/v1/environments', { body: { name }, headers: withKey(key) });
    expect(first.status).toBe(200);
    const events = await eventCount(t);
    const otherBody = await http(t, 'POST', '/v1/environments', { body: { name: unique('other') }, headers: withKey(key) });
    const otherPath = await http(t, 'POST', `/v1/environments/${first.body.id}`, { body: { name }, headers: withKey(key) });
    for (const refused of [otherBody, otherPath]) {
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', details: { error_code: 'idempotency_key_reused' } });
      expect(refused.headers.get('x-should-retry')).toBe('false');
    }
    expect(await eventCount(t)).toBe(events);
  });

  it('refuses a malformed Idempotency-Key with a 400 before anything runs', async () => {
    const events = await eventCount(t);
    for (const bad of ['', 'x'.repeat(256), 'tab\there', 'ünïcode']) {
      const response = await http(t, 'POST', '/v1/environments', { body: { name: unique('bad') }, headers: withKey(bad) }).catch(() => null);
      // Some of these cannot even be sent by fetch (a header value must be a ByteString); the others are 400s.
      if (response) expect(response.status).toBe(400);
    }
    expect((await http(t, 'POST', '/v1/environments', { body: { name: unique('ok') }, headers: withKey('x'.repeat(255)) })).status).toBe(200);
    expect(await eventCount(t)).toBe(events + 1);
  });

  it('runs the command once for 20 concurrent requests with one key: the others get the replay or a 409 to retry', async () => {
    const key = unique('concurrent');
    const name = unique('env');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => http(t, 'POST', '/v1/environments', { body: { name }, headers: withKey(key) })),
    );
    const ok = responses.filter((r) => r.status === 200);
    const inUse = responses.filter((r) => r.status === 409);
    expect(ok.length + inUse.length).toBe(20);
    expect(ok.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    for (const r of ok) expect(r.body).toEqual(ok[0].body);
    for (const r of inUse) {
      expect(r.body.error).toMatchObject({ type: 'conflict_error', details: { error_code: 'idempotency_key_in_use' } });
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.headers.get('x-should-retry')).toBeNull();
    }
    expect(await environmentsNamed(t.db, name)).toBe(1);
    const retried = await http(t, 'POST', '/v1/environments', { body: { name }, headers: withKey(key) });
    expect(retried.body).toEqual((await http(t, 'GET', `/v1/environments/${retried.body.id}`)).body);
  });

  it('stores and replays a 4xx answer; a 409 is not stored (the key is released)', async () => {
    const key = unique('four-hundred');
    const events = await eventCount(t);
    const invalid = await http(t, 'POST', '/v1/environments', { body: { name: '' }, headers: withKey(key) });
    expect(invalid.status).toBe(400);
    expectReplayOf(await http(t, 'POST', '/v1/environments', { body: { name: '' }, headers: withKey(key) }), invalid);
    const missing = unique('missing');
    const notFound = await http(t, 'POST', '/v1/environments/env_doesnotexist', { body: { description: 'x' }, headers: withKey(missing) });
    expect(notFound.status).toBe(404);
    expectReplayOf(await http(t, 'POST', '/v1/environments/env_doesnotexist', { body: { description: 'x' }, headers: withKey(missing) }), notFound);
    expect(await eventCount(t)).toBe(events);

    // A name clash (409) is not stored: once the name is free, the same request with the same key runs.
    const name = unique('taken');
    const holder = await http(t, 'POST', '/v1/environments', { body: { name } });
    const clashKey = unique('clash');
    const clash = await http(t, 'POST', '/v1/environments', { body: { name }, headers: withKey(clashKey) });
    expect(clash.status).toBe(409);
    expect((await http(t, 'POST', `/v1/environments/${holder.body.id}`, { body: { name: unique('renamed') } })).status).toBe(200);
    const retried = await http(t, 'POST', '/v1/environments', { body: { name }, headers: withKey(clashKey) });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });

  it('keeps keys per API key: another key with the same Idempotency-Key is unrelated', async () => {
    const other = await t.createKey('test-org');
    const key = unique('shared');
    const first = await http(t, 'POST', '/v1/environments', { body: { name: unique('mine') }, headers: withKey(key) });
    const second = await http(t, 'POST', '/v1/environments', { body: { name: unique('theirs') }, headers: withKey(key), key: other.key });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('works through the official SDK: a retried create with the same key returns the same environment', async () => {
    const client = new Anthropic({ apiKey: t.key, baseURL: t.baseUrl });
    const name = unique('sdk');
    const key = unique('sdk-key');
    const options = { headers: { 'Idempotency-Key': key } };
    const events = await eventCount(t);
    const [first, second] = await Promise.all([
      client.beta.environments.create({ name }, options),
      client.beta.environments.create({ name }, options),
    ]);
    expect(second).toEqual(first);
    const again = await client.beta.environments.create({ name }, options).withResponse();
    expect(again.data).toEqual(first);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(await eventCount(t)).toBe(events + 1);
  });
});

describe('Idempotency-Key expiry', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SANDBASE_IDEMPOTENCY_TTL_SECONDS: '1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('forgets a key after its retention: the same key then runs a new request, and the purge deletes expired records', async () => {
    const key = unique('expiring');
    const first = await http(t, 'POST', '/v1/environments', { body: { name: unique('before') }, headers: withKey(key) });
    expect(first.status).toBe(200);
    expect((await http(t, 'POST', '/v1/environments', { body: { name: unique('mismatch') }, headers: withKey(key) })).status).toBe(422);
    await new Promise((r) => setTimeout(r, 1_200));
    const after = await http(t, 'POST', '/v1/environments', { body: { name: unique('after') }, headers: withKey(key) });
    expect(after.status).toBe(200);
    expect(after.headers.get('idempotent-replayed')).toBeNull();

    await http(t, 'POST', '/v1/environments', { body: { name: unique('purged') }, headers: withKey(unique('purged')) });
    await new Promise((r) => setTimeout(r, 1_200));
    const records = async () => Number((await t.db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM idempotency_records`))[0].n);
    expect(await records()).toBe(2);
    expect(await t.app.get(IdempotencyPurger).sweep()).toBe(2);
    expect(await records()).toBe(0);
  });
});

describe('Idempotency-Key across restarts and instances', () => {
  const apiKey = 'sk-sb-idempotency0123456789';
  let database: TestDatabase;
  let a: ServiceProcess | undefined;
  let b: ServiceProcess | undefined;
  const as = (p: ServiceProcess) => ({ baseUrl: p.baseUrl, key: apiKey });

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await database?.drop();
  });

  it('replays after a restart on the same database, and through the other instance', async () => {
    const env = { DATABASE_URL: database.url, SANDBASE_BOOTSTRAP_API_KEY: apiKey, DATABASE_POOL_SIZE: '5' };
    a = await startServiceProcess(env);
    const key = unique('restart');
    const body = { name: unique('durable') };
    const first = await http(as(a), 'POST', '/v1/environments', { body, headers: withKey(key) });
    expect(first.status).toBe(200);
    await a.kill();
    [a, b] = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
    expectReplayOf(await http(as(a), 'POST', '/v1/environments', { body, headers: withKey(key) }), first);

    // Sent to one instance, retried through the other.
    const crossKey = unique('cross');
    const crossBody = { name: unique('cross') };
    const onA = await http(as(a), 'POST', '/v1/environments', { body: crossBody, headers: withKey(crossKey) });
    expect(onA.status).toBe(200);
    expectReplayOf(await http(as(b), 'POST', '/v1/environments', { body: crossBody, headers: withKey(crossKey) }), onA);
    const mismatch = await http(as(b), 'POST', '/v1/environments', { body: { name: unique('other') }, headers: withKey(crossKey) });
    expect(mismatch.status).toBe(422);

    // Concurrent duplicates split across both instances: one runs.
    const splitKey = unique('split');
    const splitBody = { name: unique('split') };
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => http(as(i % 2 ? a! : b!), 'POST', '/v1/environments', { body: splitBody, headers: withKey(splitKey) })),
    );
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(responses.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    const db = await Database.open(database.config, { migrate: false });
    try {
      expect(await environmentsNamed(db, splitBody.name)).toBe(1);
      expect(await environmentsNamed(db, body.name)).toBe(1);
    } finally {
      await db.close();
    }
  });
});
