import { http, startTestApp, TestApp } from '../support/test-app';

/** Bodies that are hostile or odd get a clear 4xx and change nothing, on both databases. */
describe('request body hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  async function count(): Promise<number> {
    const list = await http(t, 'GET', '/v1/environments?limit=100&include_archived=true');
    return list.body.data.length;
  }

  it.each([
    ['a NUL character in a value', '{"name":"a\\u0000b"}', /NUL character/],
    ['a NUL character in a metadata key', '{"name":"n1","metadata":{"k\\u0000":"v"}}', /NUL character/],
    ['nesting 5,000 levels deep', `{"name":"n2","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, /nested more than 32/],
    ['an array nesting 100,000 levels deep', `${'['.repeat(100000)}${']'.repeat(100000)}`, /nested more than 32|not valid JSON/],
    ['a __proto__ key', '{"name":"n3","__proto__":{"polluted":true}}', /forbidden prototype property/],
    ['truncated JSON', '{"name":"n4"', /not valid JSON/],
  ])('refuses %s with a 400 in the envelope', async (_what, body, message) => {
    const before = await count();
    const response = await http(t, 'POST', '/v1/environments', { body });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('error');
    expect(response.body.error.type).toBe('invalid_request_error');
    expect(response.body.error.message).toMatch(message);
    expect(await count()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps an escaped backslash followed by u0000 as ordinary text', async () => {
    const response = await http(t, 'POST', '/v1/environments', { body: '{"name":"literal \\\\u0000 text"}' });
    expect(response.status).toBe(200);
    expect(response.body.name).toBe('literal \\u0000 text');
  });

  it('answers a body that is not JSON with a 415', async () => {
    const response = await http(t, 'POST', '/v1/environments', {
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect(response.body.error.type).toBe('invalid_request_error');
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
