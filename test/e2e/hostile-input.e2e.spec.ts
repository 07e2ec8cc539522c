import { QueryBus } from '@nestjs/cqrs';
import { http, startTestApp, TestApp, eventCount } from '../support/test-app';


function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES);
  expect(Object.prototype.constructor).toBe(Object);
}
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

/** `__proto__`, `constructor` and `prototype` as metadata keys, over HTTP, on both databases. */
describe('prototype-named metadata keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());
  afterEach(expectNoPollution);

  it('stores, returns, diffs and deletes them like any other key', async () => {
    const body = '{"name":"proto-keys","metadata":{"__proto__":"a","constructor":"b","prototype":"c","polluted":"yes"}}';
    const created = await http(t, 'POST', '/v1/environments', { body });
    expect(created.status).toBe(200);
    const expected = JSON.parse('{"__proto__":"a","constructor":"b","prototype":"c","polluted":"yes"}');
    expect(created.body.metadata).toEqual(expected);
    const id = created.body.id as string;

    const fetched = await http(t, 'GET', `/v1/environments/${id}`);
    expect(fetched.body.metadata).toEqual(expected);
    expect(Object.keys(fetched.body.metadata).sort()).toEqual(['__proto__', 'constructor', 'polluted', 'prototype']);

    const updated = await http(t, 'POST', `/v1/environments/${id}`, {
      body: '{"metadata":{"__proto__":"changed","constructor":null,"prototype":""}}',
    });
    expect(updated.status).toBe(200);
    expect(updated.body.metadata).toEqual(JSON.parse('{"__proto__":"changed","polluted":"yes"}'));

    const listed = await http(t, 'GET', '/v1/environments?limit=100');
    expect(listed.body.data.find((env: { id: string }) => env.id === id).metadata).toEqual(updated.body.metadata);

    const versions = await http(t, 'GET', `/v1/environments/${id}/versions`);
    const [modified, createdVersion] = versions.body.data;
    expect(modified.changes).toEqual([
      { path: 'metadata.__proto__', from: 'a', to: 'changed' },
      { path: 'metadata.constructor', from: 'b', to: null },
      { path: 'metadata.prototype', from: 'c', to: null },
    ]);
    expect(createdVersion.changes).toEqual(
      expect.arrayContaining([
        { path: 'metadata.__proto__', from: null, to: 'a' },
        { path: 'metadata.constructor', from: null, to: 'b' },
        { path: 'metadata.prototype', from: null, to: 'c' },
      ]),
    );
    const asOfVersion1 = await http(t, 'GET', `/v1/environments/${id}?version=1`);
    expect(asOfVersion1.body.metadata).toEqual(expected);

    const removed = await http(t, 'POST', `/v1/environments/${id}`, { body: '{"metadata":{"__proto__":null}}' });
    expect(removed.body.metadata).toEqual({ polluted: 'yes' });
    expect(Object.hasOwn(removed.body.metadata, '__proto__')).toBe(false);
  });

  it('refuses an object under a metadata __proto__ key as a metadata value', async () => {
    const response = await http(t, 'POST', '/v1/environments', { body: '{"name":"p2","metadata":{"__proto__":{"polluted":"yes"}}}' });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual({ error_code: 'invalid_metadata' });
  });

  it.each([
    ['top level', '{"name":"p3","__proto__":{"polluted":true}}', '__proto__: unknown field'],
    ['top level', '{"name":"p3","constructor":{"prototype":{"polluted":true}}}', 'constructor: unknown field'],
    ['top level', '{"name":"p3","prototype":"x"}', 'prototype: unknown field'],
    ['config', '{"name":"p3","config":{"type":"cloud","__proto__":{"polluted":true}}}', 'config.__proto__: unknown field'],
    ['networking', '{"name":"p3","config":{"type":"cloud","networking":{"type":"limited","constructor":"x"}}}', 'config.networking.constructor: unknown field'],
    ['packages', '{"name":"p3","config":{"type":"cloud","packages":{"prototype":[]}}}', 'config.packages.prototype: unknown field'],
    // Found by the fuzz test: objects with an own `constructor` inside an array where an object belongs were a 500.
    ['packages as an array', '{"config":{"packages":[{"constructor":null}]}}', 'config.packages must be an object'],
    ['config as an array', '{"name":"p3","config":[{"constructor":null}]}', 'config must be an object'],
  ])('refuses them elsewhere (%s) as unknown fields, changing nothing', async (_where, body, message) => {
    const before = await eventCount(t);
    const response = await http(t, 'POST', '/v1/environments', { body });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ type: 'invalid_request_error', message });
    expect(await eventCount(t)).toBe(before);
  });
});

/** Headers for an API, CORS off by default, and no internals in any answer. */
describe('HTTP hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    // fatal only: the forced 500 below is logged with its (fake) internals, which is the point.
    t = await startTestApp({ LOG_LEVEL: 'fatal' });
  });
  afterAll(async () => t.close());

  it.each([
    ['a read', 'GET', '/v1/environments', {}, 200],
    ['a HEAD request', 'HEAD', '/v1/environments', {}, 200],
    ['a HEAD request that fails', 'HEAD', '/v1/environments?limit=abc', {}, 400],
    ['a health probe', 'GET', '/health/ready', { key: null }, 200],
    ['an unknown route', 'GET', '/nope', {}, 404],
    ['a missing key', 'GET', '/v1/environments', { key: null }, 401],
    ['invalid JSON', 'POST', '/v1/environments', { body: '{' }, 400],
    ['a wrong content type', 'POST', '/v1/environments', { body: 'x', headers: { 'content-type': 'text/html' } }, 415],
    ['bad percent-encoding', 'GET', '/v1/environments/%zz', {}, 400],
    // Refused as a bad URL before routing, whatever the method.
    ['an unrouted method with bad percent-encoding', 'PUT', '/v1/environments/%%', {}, 400],
    ['an OPTIONS preflight', 'OPTIONS', '/v1/environments', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }, 404],
  ])('answers %s with nosniff, no banner and no CORS header', async (_what, method, path, options, status) => {
    const response = await http(t, method, path, options as Parameters<typeof http>[3]);
    expect(response.status).toBe(status);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('server')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('names no internals (stack, SQL, file paths) in a 500', async () => {
    const queryBus = t.app.get(QueryBus);
    const internal = new Error('SELECT * FROM environments WHERE id = $1 failed at /work/src/environments/queries/x.ts:12');
    const spy = jest.spyOn(queryBus, 'execute').mockRejectedValueOnce(internal);
    try {
      const response = await http(t, 'GET', '/v1/environments');
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        type: 'error',
        error: { type: 'api_error', message: 'Internal server error' },
        request_id: expect.stringMatching(/^req_/),
      });
      expect(JSON.stringify(response.body)).not.toMatch(/SELECT|\/work|\.ts|stack/);
    } finally {
      spy.mockRestore();
    }
  });

  it('names no internals in any 4xx either', async () => {
    const answers = await Promise.all([
      http(t, 'POST', '/v1/environments', { body: '{"name":' }),
      http(t, 'POST', '/v1/environments', { body: '[1,2' }),
      http(t, 'GET', '/v1/environments?limit=abc'),
      http(t, 'GET', '/v1/environments?page=page_%FF%FE'),
      http(t, 'GET', `/v1/environments/${'x'.repeat(5000)}`),
      http(t, 'POST', '/v1/environments/env_x/archive', { body: '{"a":1}' }),
      http(t, 'DELETE', '/v1/environments'),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(JSON.stringify(answer.body)).not.toMatch(/node_modules|\/work\/|\.ts:\d|\bat [A-Za-z.]+ \(|SELECT |INSERT |sqlite|postgres/i);
    }
  });
});

describe('CORS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' });
  });
  afterAll(async () => t.close());

  it('answers a preflight from a listed origin, exposing the API headers', async () => {
    const response = await fetch(`${t.baseUrl}/v1/environments`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const read = await http(t, 'GET', '/v1/environments', { headers: { origin: 'https://admin.example.com' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(read.headers.get('access-control-expose-headers')).toContain('anthropic-ratelimit-requests-remaining');
  });

  it('gives another origin no CORS header at all', async () => {
    const read = await http(t, 'GET', '/v1/environments', { headers: { origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });
});
