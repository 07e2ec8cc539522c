import { connect } from 'node:net';
import { ANY_CODE, expectBadRequest } from '../support/envelope';
import { http, TestApp, withTestApp } from '../support/test-app';

/** Bodies that are hostile or odd get a clear 4xx and change nothing, on both databases. */
describe('request body hardening', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));

  async function count(): Promise<number> {
    const list = await http(t, 'GET', '/v1/environments?limit=100&include_archived=true');
    return list.body.data.length;
  }

  it.each([
    ['a NUL character in a value', '{"name":"a\\u0000b"}', /NUL character/],
    ['a NUL character in a metadata key', '{"name":"n1","metadata":{"k\\u0000":"v"}}', /NUL character/],
    ['nesting 5,000 levels deep', `{"name":"n2","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, /nested more than 32/],
    ['an array nesting 100,000 levels deep', `${'['.repeat(100000)}${']'.repeat(100000)}`, /nested more than 32|not valid JSON/],
    ['a top-level __proto__ key (an unknown field; only metadata keys may be named so)', '{"name":"n3","__proto__":{"polluted":true}}', /^__proto__: unknown field$/],
    ['truncated JSON', '{"name":"n4"', /not valid JSON/],
  ])('refuses %s with a 400 in the envelope', async (_what, body, message) => {
    const before = await count();
    const response = await http(t, 'POST', '/v1/environments', { body });
    expectBadRequest(response, ANY_CODE, { message });
    expect(await count()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts nesting of exactly 32 levels (other rules then apply) and refuses 33', async () => {
    const nested = (levels: number) => `{"name":"deep","metadata":${'{"a":'.repeat(levels - 2)}{}${'}'.repeat(levels - 2)}}`;
    const at32 = await http(t, 'POST', '/v1/environments', { body: nested(32) });
    expect(at32.status).toBe(400);
    expect(at32.body.error.message).not.toMatch(/nested/);
    const at33 = await http(t, 'POST', '/v1/environments', { body: nested(33) });
    expect(at33.status).toBe(400);
    expect(at33.body.error.message).toBe('Request body is nested more than 32 levels deep');
  });

  it('keeps an escaped backslash followed by u0000 as ordinary text', async () => {
    const response = await http(t, 'POST', '/v1/environments', { body: '{"name":"literal \\\\u0000 text"}' });
    expect(response.status).toBe(200);
    expect(response.body.name).toBe('literal \\u0000 text');
  });

  it('answers a body that is not JSON with a 415 that names the header', async () => {
    const response = await http(t, 'POST', '/v1/environments', {
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect(response.body.error.type).toBe('invalid_request_error');
    expect(response.body.error.message).toBe('Content-Type must be application/json');
  });

  it('archives with an empty JSON body, as curl sends it with only a content-type header', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: { name: 'empty-body-archive' } });
    const response = await fetch(`${t.baseUrl}/v1/environments/${created.body.id}/archive`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { archived_at: string | null }).archived_at).not.toBeNull();
  });
});

/** URLs and query parameters that no database can store or that are not valid UTF-8: a 4xx in the envelope, on both databases. */
describe('hostile URLs and query parameters', () => {
  let t: TestApp;
  let id: string;
  withTestApp(async (app) => {
    t = app;
    id = (await http(t, 'POST', '/v1/environments', { body: { name: 'hostile-url-target' } })).body.id;
  });

  it.each([
    ['GET', '/v1/environments/env_a%00b'],
    ['GET', '/v1/environments/%00'],
    ['POST', '/v1/environments/env_a%00b'],
    ['POST', '/v1/environments/env_a%00b/archive'],
    ['DELETE', '/v1/environments/env_a%00b'],
    ['GET', '/v1/environments/env_a%00b/versions'],
    ['GET', '/v1/environment_versions?environment_id=env_%00'],
    ['GET', '/v1/environment_versions?api_key_id=apikey_%00'],
    ['GET', '/v1/environment_versions?operation=created%00'],
    ['GET', '/v1/environments?page=page_%00'],
  ])('refuses a NUL character in %s %s with a 400', async (method, path) => {
    const response = await http(t, method, path, method === 'POST' ? { body: { description: 'x' } } : {});
    expectBadRequest(response, ANY_CODE, { message: /NUL character/ });
  });

  it.each([
    ['GET', '/v1/environments/%zz'],
    ['GET', '/v1/environments/%ED%A0%80'],
    ['POST', '/v1/environments/env_%E0%A4%A'],
    ['GET', '/v1/environments/%C0%80/versions'],
    ['PUT', '/v1/environments/%%'],
  ])('answers the malformed percent-encoding of %s %s with a 400 in the envelope', async (method, path) => {
    const response = await http(t, method, path, method === 'POST' ? { body: { description: 'x' } } : {});
    expectBadRequest(response, ANY_CODE, { message: /percent-encoded UTF-8/ });
  });

  it('refuses a versions cursor whose version no database column can hold', async () => {
    for (const v of [3_000_000_000, 2 ** 31, -1, 1.5]) {
      const page = `page_${Buffer.from(JSON.stringify({ v })).toString('base64url')}`;
      const response = await http(t, 'GET', `/v1/environments/${id}/versions?page=${page}`);
      expectBadRequest(response, ANY_CODE, { message: /Invalid page cursor/ });
    }
    const largest = `page_${Buffer.from(JSON.stringify({ v: 2 ** 31 - 1 })).toString('base64url')}`;
    const response = await http(t, 'GET', `/v1/environments/${id}/versions?page=${largest}`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((version: { version: number }) => version.version)).toEqual([1]);
  });

  it('refuses an organization versions cursor beyond the largest safe position', async () => {
    const c = new Date().toISOString();
    for (const p of [2 ** 53, -5]) {
      const page = `page_${Buffer.from(JSON.stringify({ c, p })).toString('base64url')}`;
      expectBadRequest(await http(t, 'GET', `/v1/environment_versions?page=${page}`), ANY_CODE, { message: /Invalid page cursor/ });
    }
  });

  /** Sends raw bytes and returns the raw response: what Node's HTTP parser refuses never reaches a client library. */
  function raw(request: string): Promise<string> {
    const { hostname, port } = new URL(t.baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end(request));
      let response = '';
      socket.on('data', (chunk) => (response += chunk.toString()));
      socket.on('end', () => resolve(response));
      socket.on('error', reject);
    });
  }

  function parseRaw(response: string): { status: number; headers: Record<string, string>; body: any } {
    const [head, body] = response.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.split(':')[0].toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
  }

  it.each([
    ['headers over 16 KiB', `GET /v1/environments/${'x'.repeat(17000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, /larger than 16 KiB/],
    ['a malformed header line', 'GET /v1/environments HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400, /not valid HTTP/],
  ])('answers %s in the envelope with a request id', async (_what, request, status, message) => {
    const response = parseRaw(await raw(request));
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(message) },
      request_id: expect.stringMatching(/^req_/),
    });
    expect(response.headers['request-id']).toBe(response.body.request_id);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('still finds the environment after all of the above', async () => {
    const response = await http(t, 'GET', `/v1/environments/${id}`);
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(1);
  });
});
