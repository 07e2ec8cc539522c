import { http, HttpResult, startTestApp, TestApp } from '../support/test-app';

/**
 * The API contract (docs/api.md) over real HTTP: every
 * endpoint, and every error row with its envelope, status and code, and the
 * rule that a 4xx changes nothing.
 */
const ENVIRONMENT_KEYS = [
  'archived_at', 'config', 'created_at', 'description', 'id', 'metadata', 'name', 'scope', 'type', 'updated_at', 'version',
];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('Environments API contract', () => {
  let t: TestApp;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${++n}-${Date.now()}`;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  async function create(body: Record<string, unknown> = {}): Promise<any> {
    const response = await http(t, 'POST', '/v1/environments', { body: { name: unique('env'), ...body } });
    expect(response.status).toBe(200);
    return response.body;
  }

  function expectError(response: HttpResult, status: number, type: string, code?: string): void {
    expect(response.status).toBe(status);
    expect(response.body).toEqual({
      type: 'error',
      error: { type, message: expect.any(String), ...(code ? { details: { error_code: code } } : {}) },
      request_id: response.headers.get('request-id'),
    });
    expect(response.body.error.message.length).toBeGreaterThan(5);
  }

  describe('create', () => {
    it('returns the environment with every key, defaults, id format, timestamps, version 1 and an ETag', async () => {
      const response = await http(t, 'POST', '/v1/environments', { body: { name: 'defaults-env' } });
      expect(response.status).toBe(200);
      const env = response.body;
      expect(Object.keys(env).sort()).toEqual(ENVIRONMENT_KEYS);
      expect(env).toMatchObject({
        type: 'environment',
        name: 'defaults-env',
        description: null,
        config: {
          type: 'cloud',
          networking: { type: 'unrestricted' },
          packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] },
        },
        metadata: {},
        scope: 'organization',
        version: 1,
        archived_at: null,
      });
      expect(env.id).toMatch(/^env_[0-9A-Za-z]{24}$/);
      expect(env.created_at).toMatch(TIMESTAMP);
      expect(env.updated_at).toBe(env.created_at);
      expect(response.headers.get('etag')).toBe('"1"');
    });

    it('takes defaults for fields sent as null, and stores description "" as ""', async () => {
      const env = await create({ description: '', config: null, metadata: null, scope: null });
      expect(env.description).toBe('');
      expect(env.config.networking).toEqual({ type: 'unrestricted' });
      const limited = await create({
        config: { type: 'cloud', networking: { type: 'limited' }, packages: { pip: null } },
      });
      expect(limited.config.networking).toEqual({
        type: 'limited', allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false,
      });
    });

    it('normalizes allowed hosts: lower-cased, de-duplicated, first seen first', async () => {
      const env = await create({
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: ['B.example.com', '*.Example.org', 'b.EXAMPLE.com', '10.0.0.1', '::1'] },
        },
      });
      expect(env.config.networking.allowed_hosts).toEqual(['b.example.com', '*.example.org', '10.0.0.1', '::1']);
    });

    it('creates self_hosted environments', async () => {
      expect((await create({ config: { type: 'self_hosted' } })).config).toEqual({ type: 'self_hosted' });
    });
  });

  describe('retrieve', () => {
    it('returns the environment and, with ?version=N, the environment as of version N', async () => {
      const env = await create({ description: 'v1' });
      await http(t, 'POST', `/v1/environments/${env.id}`, { body: { description: 'v2' } });
      const current = await http(t, 'GET', `/v1/environments/${env.id}`);
      expect(current.body.description).toBe('v2');
      expect(current.headers.get('etag')).toBe('"2"');
      const old = await http(t, 'GET', `/v1/environments/${env.id}?version=1`);
      expect(old.status).toBe(200);
      expect(old.body).toEqual(env);
      expectError(await http(t, 'GET', `/v1/environments/${env.id}?version=0`), 400, 'invalid_request_error');
      expectError(await http(t, 'GET', `/v1/environments/${env.id}?version=x`), 400, 'invalid_request_error');
      expectError(await http(t, 'GET', `/v1/environments/${env.id}?version=3`), 404, 'not_found_error', 'environment_not_found');
    });
  });

  describe('update', () => {
    it('applies If-Match only at the current version: 412 otherwise, without retry and without change', async () => {
      const env = await create();
      const stale = await http(t, 'POST', `/v1/environments/${env.id}`, {
        body: { description: 'x' },
        headers: { 'if-match': '"7"' },
      });
      expectError(stale, 412, 'invalid_request_error', 'version_mismatch');
      expect(stale.headers.get('x-should-retry')).toBe('false');
      expect((await http(t, 'GET', `/v1/environments/${env.id}`)).body).toEqual(env);
      const ok = await http(t, 'POST', `/v1/environments/${env.id}`, { body: { description: 'x' }, headers: { 'if-match': '"1"' } });
      expect(ok.status).toBe(200);
      expect(ok.body.version).toBe(2);
      expect(ok.headers.get('etag')).toBe('"2"');
    });

    it('returns the current state and records nothing for a no-op', async () => {
      const env = await create({ metadata: { a: '1' } });
      const response = await http(t, 'POST', `/v1/environments/${env.id}`, { body: { metadata: { a: '1', b: null } } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(env);
    });
  });

  describe('list', () => {
    it('pages newest first with next_page only while more exist, exactly limit items per such page', async () => {
      const org = await t.createKey(unique('list-org'));
      const other = { baseUrl: t.baseUrl, key: org.key };
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push((await http(other, 'POST', '/v1/environments', { body: { name: `l${i}` } })).body.id);
      }
      const first = await http(other, 'GET', '/v1/environments?limit=3');
      expect(first.body.data).toHaveLength(3);
      expect(first.body.next_page).toMatch(/^page_[A-Za-z0-9_-]+$/);
      const cursor = JSON.parse(Buffer.from(first.body.next_page.slice(5), 'base64url').toString());
      expect(cursor).toEqual({ c: first.body.data[2].created_at, i: first.body.data[2].id });
      const second = await http(other, 'GET', `/v1/environments?limit=3&page=${first.body.next_page}`);
      const third = await http(other, 'GET', `/v1/environments?limit=3&page=${second.body.next_page}`);
      expect(third.body.data).toHaveLength(1);
      expect(third.body).not.toHaveProperty('next_page');
      const seen = [...first.body.data, ...second.body.data, ...third.body.data];
      const sorted = [...seen].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
      expect(seen.map((e) => e.id)).toEqual(sorted.map((e) => e.id));
      expect(new Set(seen.map((e) => e.id))).toEqual(new Set(ids));
      // Ending exactly at a page boundary: no next_page.
      const exact = await http(other, 'GET', '/v1/environments?limit=7');
      expect(exact.body.data).toHaveLength(7);
      expect(exact.body).not.toHaveProperty('next_page');
      // Default limit 20; ?beta=true and unknown parameters are ignored.
      const all = await http(other, 'GET', '/v1/environments?beta=true&colour=blue');
      expect(all.status).toBe(200);
      expect(all.body.data).toHaveLength(7);
    });

    it.each(['0', '101', '-1', '1.5', 'ten', ''])('refuses limit=%j with a 400', async (limit) => {
      expectError(await http(t, 'GET', `/v1/environments?limit=${limit}`), 400, 'invalid_request_error');
    });

    it.each([
      'garbage',
      'page_',
      'page_eyJj',
      `page_${Buffer.from('{"c":"x","i":"y"}').toString('base64url')}`,
      `page_${Buffer.from('{"c":"2026-01-01T00:00:00.000Z"}').toString('base64url')}`,
    ])('refuses the malformed cursor %j with a 400', async (page) => {
      const response = await http(t, 'GET', `/v1/environments?page=${encodeURIComponent(page)}`);
      expectError(response, 400, 'invalid_request_error');
      expect(response.body.error.message).toMatch(/Invalid page cursor/);
    });

    it('refuses include_archived values other than true and false', async () => {
      expectError(await http(t, 'GET', '/v1/environments?include_archived=yes'), 400, 'invalid_request_error');
    });
  });

  describe('archive and delete', () => {
    it('archives once, keeps the name, hides it from the default list and refuses updates', async () => {
      const env = await create();
      const archived = await http(t, 'POST', `/v1/environments/${env.id}/archive`);
      expect(archived.status).toBe(200);
      expect(archived.body.archived_at).toMatch(TIMESTAMP);
      expect(archived.body.updated_at).toBe(archived.body.archived_at);
      expect(archived.body.version).toBe(2);
      const again = await http(t, 'POST', `/v1/environments/${env.id}/archive`);
      expect(again.body).toEqual(archived.body);
      expect((await http(t, 'GET', `/v1/environments/${env.id}`)).body).toEqual(archived.body);
      expectError(
        await http(t, 'POST', '/v1/environments', { body: { name: env.name } }),
        409,
        'conflict_error',
        'environment_name_taken',
      );
      expectError(
        await http(t, 'POST', `/v1/environments/${env.id}`, { body: { description: 'x' } }),
        400,
        'invalid_request_error',
        'environment_archived',
      );
    });

    it('deletes: 404 everywhere afterwards, name freed, history kept', async () => {
      const env = await create();
      const deleted = await http(t, 'DELETE', `/v1/environments/${env.id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ id: env.id, type: 'environment_deleted' });
      for (const [method, path] of [
        ['GET', `/v1/environments/${env.id}`],
        ['POST', `/v1/environments/${env.id}`],
        ['POST', `/v1/environments/${env.id}/archive`],
        ['DELETE', `/v1/environments/${env.id}`],
      ]) {
        expectError(await http(t, method, path, method === 'POST' ? { body: {} } : {}), 404, 'not_found_error', 'environment_not_found');
      }
      const list = await http(t, 'GET', '/v1/environments?include_archived=true&limit=100');
      expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(env.id);
      expect((await http(t, 'POST', '/v1/environments', { body: { name: env.name } })).status).toBe(200);
      const history = await http(t, 'GET', `/v1/environments/${env.id}/versions`);
      expect(history.body.data.map((v: { operation: string }) => v.operation)).toEqual(['deleted', 'created']);
    });
  });

  describe('errors change nothing', () => {
    const invalid: [string, Record<string, unknown>, string | undefined][] = [
      ['an unknown field', { colour: 'blue' }, undefined],
      ['a wrong type', { name: 5 }, undefined],
      ['an empty name', { name: '   ' }, undefined],
      ['a 257-character name', { name: 'x'.repeat(257) }, undefined],
      ['a 1,025-character description', { description: 'x'.repeat(1025) }, undefined],
      ['17 metadata keys', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'invalid_metadata'],
      ['a 65-character metadata key', { metadata: { ['k'.repeat(65)]: 'v' } }, 'invalid_metadata'],
      ['a 513-character metadata value', { metadata: { k: 'v'.repeat(513) } }, 'invalid_metadata'],
      ['a host with a scheme', { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['https://x.com'] } } }, undefined],
      ['a host with a port', { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['x.com:443'] } } }, undefined],
      ['a host with a path', { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['x.com/a'] } } }, undefined],
      ['a package with whitespace', { config: { type: 'cloud', packages: { pip: ['numpy pandas'] } } }, undefined],
      ['packages under limited networking without package managers', {
        config: { type: 'cloud', networking: { type: 'limited' }, packages: { pip: ['numpy'] } },
      }, undefined],
      ['scope account', { scope: 'account' }, undefined],
      ['a config type change', { config: { type: 'self_hosted' } }, 'invalid_config_type_change'],
      ['config without type', { config: { packages: { pip: [] } } }, undefined],
    ];

    it.each(invalid)('refuses %s on update with a 400 and leaves the environment as it was', async (_what, body, code) => {
      const env = await create({ metadata: { keep: 'me' } });
      const response = await http(t, 'POST', `/v1/environments/${env.id}`, { body });
      expectError(response, 400, 'invalid_request_error', code);
      expect((await http(t, 'GET', `/v1/environments/${env.id}`)).body).toEqual(env);
    });

    it.each(invalid.filter(([what]) => what !== 'a config type change' && what !== 'config without type'))(
      'refuses %s on create with a 400 and creates nothing',
      async (_what, body, code) => {
        const name = unique('refused');
        const response = await http(t, 'POST', '/v1/environments', { body: { name, ...body } });
        expectError(response, 400, 'invalid_request_error', code);
        const list = await http(t, 'GET', '/v1/environments?limit=100&include_archived=true');
        expect(list.body.data.map((e: { name: string }) => e.name)).not.toContain(name);
      },
    );

    it('names the offending field in the message', async () => {
      const response = await http(t, 'POST', '/v1/environments', { body: { name: 'x', colour: 'blue' } });
      expect(response.body.error.message).toMatch(/colour/);
      const nested = await http(t, 'POST', '/v1/environments', {
        body: { name: 'x', config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['ok.com', 'bad host'] } } },
      });
      expect(nested.body.error.message).toMatch(/config\.networking\.allowed_hosts\[1\]/);
    });

    it('answers 409 environment_name_taken without retry for a duplicate name', async () => {
      const env = await create();
      const response = await http(t, 'POST', '/v1/environments', { body: { name: env.name } });
      expectError(response, 409, 'conflict_error', 'environment_name_taken');
      expect(response.headers.get('x-should-retry')).toBe('false');
      const other = await create();
      const rename = await http(t, 'POST', `/v1/environments/${other.id}`, { body: { name: env.name } });
      expectError(rename, 409, 'conflict_error', 'environment_name_taken');
      expect((await http(t, 'GET', `/v1/environments/${other.id}`)).body).toEqual(other);
    });

    it('answers 401 for a missing, unknown or malformed key, with either header', async () => {
      expectError(await http(t, 'GET', '/v1/environments', { key: null }), 401, 'authentication_error');
      expectError(await http(t, 'GET', '/v1/environments', { key: 'sk-sb-unknown' }), 401, 'authentication_error');
      const bearer = await http(t, 'GET', '/v1/environments', { key: null, headers: { authorization: `Bearer ${t.key}` } });
      expect(bearer.status).toBe(200);
      expectError(
        await http(t, 'GET', '/v1/environments', { key: null, headers: { authorization: `Basic ${t.key}` } }),
        401,
        'authentication_error',
      );
    });

    it("answers 404 for another organization's environment, exactly as for one that does not exist", async () => {
      const env = await create();
      const stranger = await t.createKey(unique('stranger'));
      const theirs = await http({ baseUrl: t.baseUrl, key: stranger.key }, 'GET', `/v1/environments/${env.id}`);
      const missing = await http(t, 'GET', '/v1/environments/env_000000000000000000000000');
      expectError(theirs, 404, 'not_found_error', 'environment_not_found');
      expect(theirs.body.error.message.replace(env.id, 'ID')).toBe(
        missing.body.error.message.replace('env_000000000000000000000000', 'ID'),
      );
      const update = await http({ baseUrl: t.baseUrl, key: stranger.key }, 'POST', `/v1/environments/${env.id}`, {
        body: { description: 'hijack' },
      });
      expect(update.status).toBe(404);
      expect((await http(t, 'GET', `/v1/environments/${env.id}`)).body).toEqual(env);
    });

    it('answers 413 for a body over 1 MiB', async () => {
      const response = await http(t, 'POST', '/v1/environments', {
        body: JSON.stringify({ name: 'big', description: 'x'.repeat(1024 * 1024 + 10) }),
      });
      expectError(response, 413, 'request_too_large');
    });

    it('never answers 5xx to 300 random malformed bodies', async () => {
      const env = await create();
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
      const values = (): unknown =>
        pick<() => unknown>([
          () => null,
          () => random() * 1e6,
          () => pick(['', ' ', 'x'.repeat(300), '\u{1F600}', 'é', 'cloud', 'limited', 'packages']),
          () => pick([true, false]),
          () => [values(), values()],
          () => ({ [pick(['type', 'name', 'pip', 'networking', 'x'])]: values() }),
        ])();
      const fields = ['name', 'description', 'config', 'metadata', 'scope', 'extra'];
      for (let i = 0; i < 300; i++) {
        const body: Record<string, unknown> = {};
        for (const field of fields) if (random() < 0.4) body[field] = values();
        if (random() < 0.5 && typeof body.config === 'object' && body.config && !Array.isArray(body.config)) {
          (body.config as Record<string, unknown>).type = pick(['cloud', 'self_hosted', 5]);
        }
        const path = random() < 0.5 ? '/v1/environments' : `/v1/environments/${env.id}`;
        const response = await http(t, 'POST', path, { body });
        expect([200, 400, 404, 409]).toContain(response.status);
        if (response.status !== 200) expect(response.body.type).toBe('error');
      }
    });
  });
});
