import Anthropic from '@anthropic-ai/sdk';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { uniqueName } from '../support/fixtures';
import { http, HttpResult, startTestApp, TestApp, eventCount } from '../support/test-app';

/**
 * Rate limits per API key (token buckets, reads and writes apart) on a real
 * listening server, on both databases; the Redis-shared limit when Redis is
 * reachable (TEST_REDIS_URL, default redis://127.0.0.1:6379).
 */
jest.setTimeout(120_000);

const LIMIT = 'anthropic-ratelimit-requests-limit';
const REMAINING = 'anthropic-ratelimit-requests-remaining';
const RESET = 'anthropic-ratelimit-requests-reset';
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;


function expectRateHeaders(response: HttpResult, limit: number, remaining?: number): void {
  expect(response.headers.get(LIMIT)).toBe(String(limit));
  if (remaining !== undefined) expect(response.headers.get(REMAINING)).toBe(String(remaining));
  const reset = response.headers.get(RESET) ?? '';
  expect(reset).toMatch(RFC3339_MS);
  expect(Date.parse(reset)).toBeGreaterThan(Date.now() - 5000);
}

function expectNoRateHeaders(response: HttpResult): void {
  for (const name of [LIMIT, REMAINING, RESET]) expect(response.headers.get(name)).toBeNull();
}

/** Sends reads with `key` until one is refused; returns the refusal. */
async function exhaustReads(t: TestApp, key: string, max = 500): Promise<HttpResult> {
  for (let i = 0; i < max; i++) {
    const response = await http(t, 'GET', '/v1/environments?limit=1', { key });
    if (response.status === 429) return response;
    expect(response.status).toBe(200);
  }
  throw new Error(`no 429 after ${max} reads`);
}

describe('rate limits per API key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SANDBASE_RATE_LIMIT_READS_PER_MINUTE: '60', SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '5' });
  });
  afterAll(async () => t.close());

  it('refuses the write beyond the bucket with a 429 in the envelope, retry-after and its headers, changing nothing', async () => {
    const { key } = await t.createKey(uniqueName('org'));
    for (let i = 0; i < 5; i++) {
      const created = await http(t, 'POST', '/v1/environments', { key, body: { name: `w${i}` } });
      expect(created.status).toBe(200);
      expectRateHeaders(created, 5, 4 - i);
    }
    const before = await eventCount(t);
    const refused = await http(t, 'POST', '/v1/environments', { key, body: { name: 'one-too-many' } });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.stringMatching(/5 write requests per minute/) },
      request_id: expect.stringMatching(/^req_/),
    });
    // 5 per minute: the next token comes in at most 12 seconds.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expectRateHeaders(refused, 5, 0);
    expect(Date.parse(refused.headers.get(RESET)!)).toBeGreaterThan(Date.now() + 30_000);
    expect(await eventCount(t)).toBe(before);
    const list = await http(t, 'GET', '/v1/environments?limit=100', { key });
    expect(list.body.data.map((env: { name: string }) => env.name)).not.toContain('one-too-many');

    // Reads have their own bucket, and another key its own buckets.
    expect(list.status).toBe(200);
    expectRateHeaders(list, 60);
    const other = await t.createKey(uniqueName('org'));
    const otherWrite = await http(t, 'POST', '/v1/environments', { key: other.key, body: { name: 'other-key' } });
    expect(otherWrite.status).toBe(200);
    expectRateHeaders(otherWrite, 5, 4);
  });

  it('counts deletes and archives as writes', async () => {
    const { key } = await t.createKey(uniqueName('org'));
    const created = await http(t, 'POST', '/v1/environments', { key, body: { name: 'to-archive' } });
    const archived = await http(t, 'POST', `/v1/environments/${created.body.id}/archive`, { key });
    expectRateHeaders(archived, 5, 3);
    const deleted = await http(t, 'DELETE', `/v1/environments/${created.body.id}`, { key });
    expect(deleted.status).toBe(200);
    expectRateHeaders(deleted, 5, 2);
  });

  it('puts the headers on every authenticated answer, errors included, and on no other', async () => {
    const { key } = await t.createKey(uniqueName('org'));
    const answers = [
      await http(t, 'GET', '/v1/environments', { key }),
      await http(t, 'GET', '/v1/environments/env_000000000000000000000000', { key }),
      await http(t, 'GET', '/v1/environments?limit=0', { key }),
      await http(t, 'POST', '/v1/environments', { key, body: { name: 'x', unknown: 1 } }),
      await http(t, 'GET', '/v1/environment_versions', { key }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 404, 400, 400, 200]);
    for (const answer of answers) expectRateHeaders(answer, answer.status === 400 && answer.body.error.message.includes('unknown') ? 5 : 60);
    // Each read takes a token (the bucket refills one a second, so a slow machine may see one come back).
    const reads = answers.slice(0, 3).map((a) => Number(a.headers.get(REMAINING)));
    expect(reads[0]).toBe(59);
    expect(reads[2]).toBeLessThan(59);
    expect(reads[1]).toBeLessThanOrEqual(reads[0]);
    expect(reads[2]).toBeLessThanOrEqual(reads[1]);

    // A read-only key calling a write route: 403, counted in the writes bucket it asked for.
    const reader = await t.createKey(uniqueName('org'), { scope: 'read' });
    const forbidden = await http(t, 'POST', '/v1/environments', { key: reader.key, body: { name: 'not-allowed' } });
    expect(forbidden.status).toBe(403);
    expectRateHeaders(forbidden, 5);

    // Not authenticated, or a public route: no key, so no bucket and no headers.
    expectNoRateHeaders(await http(t, 'GET', '/v1/environments', { key: null }));
    expectNoRateHeaders(await http(t, 'GET', '/v1/environments', { key: 'sk-sb-unknownunknownunknown' }));
    const health = await http(t, 'GET', '/health/ready', { key });
    expect(health.status).toBe(200);
    expectNoRateHeaders(health);
  });

  it('never counts unauthenticated requests against a key, nor limits health probes', async () => {
    const created = await t.createKey(uniqueName('org'));
    for (let i = 0; i < 80; i++) {
      const response = await http(t, 'GET', '/v1/environments', { key: `${created.key}x` });
      expect(response.status).toBe(401);
    }
    for (let i = 0; i < 80; i++) expect((await http(t, 'GET', '/health/live', { key: created.key })).status).toBe(200);
    const first = await http(t, 'GET', '/v1/environments', { key: created.key });
    expect(first.status).toBe(200);
    expectRateHeaders(first, 60, 59);
  });

  it('lets the SDK retry a 429 after the advertised retry-after, and succeed', async () => {
    const { key } = await t.createKey(uniqueName('org'));
    const refused = await exhaustReads(t, key);
    expect(refused.headers.get('retry-after')).toBe('1');
    // Empty the bucket again (it refills one token a second) so that the SDK's first attempt is refused too.
    await exhaustReads(t, key);
    const attempts: { sentAt: number; answeredAt: number; status: number; retryAfter: string | null }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const sentAt = Date.now();
      const response = await fetch(input, init);
      attempts.push({ sentAt, answeredAt: Date.now(), status: response.status, retryAfter: response.headers.get('retry-after') });
      return response;
    };
    const client = new Anthropic({ apiKey: key, baseURL: t.baseUrl, fetch: recording, maxRetries: 3 });
    const page = await client.beta.environments.list({ limit: 1 });
    expect(page.data).toBeDefined();
    expect(attempts[0].status).toBe(429);
    expect(attempts.at(-1)!.status).toBe(200);
    for (let i = 1; i < attempts.length; i++) {
      const waited = attempts[i].sentAt - attempts[i - 1].answeredAt;
      // Timers may fire a millisecond early by Date.now()'s rounding.
      expect(waited).toBeGreaterThanOrEqual(Number(attempts[i - 1].retryAfter) * 1000 - 5);
    }
  });
});

describe('rate limits that are off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SANDBASE_RATE_LIMIT_READS_PER_MINUTE: '0', SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '2' });
  });
  afterAll(async () => t.close());

  it('with 0 never limits that bucket (and sends no headers for it), while the other still applies', async () => {
    for (let i = 0; i < 150; i++) {
      const response = await http(t, 'GET', '/v1/environments?limit=1');
      expect(response.status).toBe(200);
      expectNoRateHeaders(response);
    }
    expect((await http(t, 'POST', '/v1/environments', { body: { name: 'a' } })).status).toBe(200);
    expect((await http(t, 'POST', '/v1/environments', { body: { name: 'b' } })).status).toBe(200);
    expect((await http(t, 'POST', '/v1/environments', { body: { name: 'c' } })).status).toBe(429);
  });
});

describe('rate limits when Redis is unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    const { freePort } = await import('../support/service-process');
    // A port nothing listens on: every connection attempt is refused.
    t = await startTestApp({ LOG_LEVEL: 'fatal', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '2' });
  });
  afterAll(async () => t.close());

  it('lets requests through, promptly, rather than failing them', async () => {
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const response = await http(t, 'POST', '/v1/environments', { body: { name: `no-redis-${i}` } });
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });
});

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Synchronous, so that the describe block below can be skipped: does a Redis answer PING there? */
function redisReachable(url: string): boolean {
  const { hostname, port } = new URL(url);
  const probe = `const s=require('net').connect(${Number(port) || 6379},${JSON.stringify(hostname)},()=>s.write('PING\\r\\n'));` +
    `s.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000);`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

const ci = process.env.CI === 'true' || process.env.CI === '1';
const redisUp = redisReachable(REDIS_URL);
if (!redisUp && !ci) {
  process.stdout.write(`rate-limits: Redis tests skipped: no Redis answers at ${REDIS_URL} (set TEST_REDIS_URL; CI requires it)\n`);
}

(redisUp || ci ? describe : describe.skip)('rate limits shared through Redis', () => {
  let first: TestApp;
  let second: TestApp;
  // A prefix of its own, so that parallel test runs sharing the Redis never share buckets.
  const prefix = `sandbase-test:${randomBytes(6).toString('hex')}:`;

  beforeAll(async () => {
    if (!redisUp) throw new Error(`Redis is required under CI and does not answer at ${REDIS_URL}`);
    const env = {
      REDIS_URL,
      SANDBASE_RATE_LIMIT_REDIS_PREFIX: prefix,
      SANDBASE_RATE_LIMIT_READS_PER_MINUTE: '6000',
      SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '6',
    };
    first = await startTestApp(env);
    // The second instance serves the same database, as instances behind a load balancer do.
    second = await startTestApp(env, { databaseUrl: first.database.url });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('holds one limit for a key across two instances', async () => {
    const { key } = await first.createKey(uniqueName('org'));
    const statuses: number[] = [];
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 8; i++) {
      const instance = i % 2 === 0 ? first : second;
      const response = await http(instance, 'POST', '/v1/environments', { key, body: { name: `shared-${i}` } });
      statuses.push(response.status);
      remaining.push(response.headers.get(REMAINING));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0', '0', '0']);
  });
});
