import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(180_000);

const VERSION_KEYS = ['changes', 'created_at', 'created_by', 'environment', 'environment_id', 'id', 'operation', 'request_id', 'type', 'version'];

/** The audit history over HTTP: per environment, organization-wide with filters, time travel, changes. */
describe('audit history API', () => {
  let t: TestApp;
  let second: { baseUrl: string; key: string; id: string };
  let first: { baseUrl: string; key: string };
  let firstKeyId: string;

  beforeAll(async () => {
    t = await startTestApp();
    first = { baseUrl: t.baseUrl, key: t.key };
    const created = await t.createKey('test-org');
    second = { baseUrl: t.baseUrl, key: created.key, id: created.id };
    const probe = await http(t, 'POST', '/v1/environments', { body: { name: 'probe' } });
    const versions = await http(t, 'GET', `/v1/environments/${probe.body.id}/versions`);
    firstKeyId = versions.body.data[0].created_by.api_key_id;
  });
  afterAll(async () => t.close());

  async function all(path: string, client = first): Promise<any[]> {
    const items: any[] = [];
    const join = path.includes('?') ? '&' : '?';
    for (let page: string | undefined, start = true; start || page; start = false) {
      const r = await http(client, 'GET', `${path}${join}limit=37${page ? `&page=${page}` : ''}`);
      expect(r.status).toBe(200);
      if (r.body.next_page) expect(r.body.data).toHaveLength(37);
      items.push(...r.body.data);
      page = r.body.next_page;
    }
    return items;
  }

  it('records who, when, which request and the full environment for each change, newest first', async () => {
    const created = await http(first, 'POST', '/v1/environments', { body: { name: 'who-env' } });
    const updated = await http(second, 'POST', `/v1/environments/${created.body.id}`, { body: { description: 'by second' } });
    const archived = await http(first, 'POST', `/v1/environments/${created.body.id}/archive`);
    const versions = await http(t, 'GET', `/v1/environments/${created.body.id}/versions`);
    expect(versions.status).toBe(200);
    const [v3, v2, v1] = versions.body.data;
    for (const v of [v1, v2, v3]) {
      expect(Object.keys(v).sort()).toEqual(VERSION_KEYS);
      expect(v.id).toMatch(/^envver_[0-9A-Za-z]{24}$/);
      expect(v.type).toBe('environment_version');
      expect(v.environment_id).toBe(created.body.id);
    }
    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
    expect([v1.operation, v2.operation, v3.operation]).toEqual(['created', 'modified', 'archived']);
    expect(v1.created_by).toEqual({ type: 'api_actor', api_key_id: firstKeyId });
    expect(v2.created_by).toEqual({ type: 'api_actor', api_key_id: second.id });
    expect(v1.request_id).toBe(created.headers.get('request-id'));
    expect(v2.request_id).toBe(updated.headers.get('request-id'));
    expect(v3.request_id).toBe(archived.headers.get('request-id'));
    expect(v1.environment).toEqual(created.body);
    expect(v2.environment).toEqual(updated.body);
    expect(v3.environment).toEqual(archived.body);
    expect(v2.created_at).toBe(updated.body.updated_at);
    expect(v3.changes).toEqual([{ path: 'archived_at', from: null, to: archived.body.archived_at }]);
  });

  it('keeps the history of a deleted environment, with a null environment on the deleted version', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: { name: 'doomed' } });
    await http(t, 'DELETE', `/v1/environments/${created.body.id}`);
    const versions = await http(t, 'GET', `/v1/environments/${created.body.id}/versions`);
    expect(versions.body.data.map((v: any) => [v.version, v.operation, v.environment === null])).toEqual([
      [2, 'deleted', true],
      [1, 'created', false],
    ]);
    const filtered = await http(t, 'GET', `/v1/environment_versions?environment_id=${created.body.id}`);
    expect(filtered.body.data.map((v: any) => v.operation)).toEqual(['deleted', 'created']);
    expect((await http(t, 'GET', '/v1/environments/env_000000000000000000000000/versions')).status).toBe(404);
  });

  it('returns the environment as of every version of a 30-version history', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: { name: 'thirty', metadata: { n: '0' } } });
    const states = [created.body];
    for (let i = 1; i < 30; i++) {
      const body = i % 3 === 0 ? { metadata: { n: String(i) } } : i % 3 === 1 ? { description: `rev ${i}` } : { config: { type: 'cloud', packages: { pip: [`p${i}`] } } };
      const r = await http(t, 'POST', `/v1/environments/${created.body.id}`, { body });
      expect(r.body.version).toBe(i + 1);
      states.push(r.body);
    }
    const versions = await all(`/v1/environments/${created.body.id}/versions`);
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
    for (let n = 1; n <= 30; n++) {
      const asOf = await http(t, 'GET', `/v1/environments/${created.body.id}?version=${n}`);
      expect(asOf.body).toEqual(states[n - 1]);
      expect(asOf.body).toEqual(versions.find((v) => v.version === n).environment);
    }
    for (const bad of ['0', '-1', 'abc', '1.5']) expect((await http(t, 'GET', `/v1/environments/${created.body.id}?version=${bad}`)).status).toBe(400);
    expect((await http(t, 'GET', `/v1/environments/${created.body.id}?version=31`)).status).toBe(404);
    // Any whole number beyond the latest is a 404, however large; beyond what is exact in JSON, a 400.
    for (const beyond of ['1000000000', '3000000000', '999999999999999']) {
      const response = await http(t, 'GET', `/v1/environments/${created.body.id}?version=${beyond}`);
      expect(response.status).toBe(404);
      expect(response.body.error.message).toContain(`has no version ${beyond} (latest is 30)`);
    }
    expect((await http(t, 'GET', `/v1/environments/${created.body.id}?version=${'9'.repeat(16)}`)).status).toBe(400);
  });

  it('treats time bounds finer than a millisecond exactly: a lower bound just after a version excludes it', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: { name: `fine-bounds-${Date.now()}` } });
    const [version] = (await http(t, 'GET', `/v1/environments/${created.body.id}/versions`)).body.data;
    const justAfter = version.created_at.replace('Z', '1Z'); // 100 ns after the version
    const ids = async (filter: string) =>
      (await http(t, 'GET', `/v1/environment_versions?environment_id=${created.body.id}&${filter}`)).body.data.map(
        (v: { id: string }) => v.id,
      );
    expect(await ids(`created_at[gte]=${justAfter}`)).toEqual([]);
    expect(await ids(`created_at[lte]=${justAfter}`)).toEqual([version.id]);
    expect(await ids(`created_at[gte]=${version.created_at}&created_at[lte]=${version.created_at}`)).toEqual([version.id]);
  });

  it('reports each kind of change as a leaf with from and to', async () => {
    const created = await http(t, 'POST', '/v1/environments', {
      body: { name: 'leafy', description: 'start', metadata: { keep: 'k', change: 'a', drop: 'x' } },
    });
    const id = created.body.id;
    const change = async (body: unknown) => {
      const r = await http(t, 'POST', `/v1/environments/${id}`, { body });
      const versions = await http(t, 'GET', `/v1/environments/${id}/versions?limit=1`);
      expect(versions.body.data[0].version).toBe(r.body.version);
      for (const c of versions.body.data[0].changes) expect(c.from).not.toEqual(c.to);
      return versions.body.data[0].changes;
    };
    expect(await change({ name: 'leafy-2' })).toEqual([{ path: 'name', from: 'leafy', to: 'leafy-2' }]);
    expect(await change({ description: null })).toEqual([{ path: 'description', from: 'start', to: null }]);
    expect(await change({ description: 'back' })).toEqual([{ path: 'description', from: null, to: 'back' }]);
    expect(await change({ config: { type: 'cloud', packages: { pip: ['pandas'] } } })).toEqual([
      { path: 'config.packages.pip', from: [], to: ['pandas'] },
    ]);
    expect(await change({ config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } } })).toEqual([
      {
        path: 'config.networking',
        from: { type: 'unrestricted' },
        to: { type: 'limited', allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: true },
      },
    ]);
    expect(await change({ config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['a.example.com'], allow_mcp_servers: true } } })).toEqual([
      { path: 'config.networking.allowed_hosts', from: [], to: ['a.example.com'] },
      { path: 'config.networking.allow_mcp_servers', from: false, to: true },
    ]);
    expect(await change({ metadata: { added: 'new', change: 'b', drop: null } })).toEqual(
      expect.arrayContaining([
        { path: 'metadata.added', from: null, to: 'new' },
        { path: 'metadata.change', from: 'a', to: 'b' },
        { path: 'metadata.drop', from: 'x', to: null },
      ]),
    );
    const createdVersion = await http(t, 'GET', `/v1/environments/${id}?version=1`);
    expect(createdVersion.status).toBe(200);
    const history = await all(`/v1/environments/${id}/versions`);
    const createdChanges = history.find((v) => v.version === 1).changes;
    expect(createdChanges).toEqual(expect.arrayContaining([{ path: 'name', from: null, to: 'leafy' }, { path: 'metadata.keep', from: null, to: 'k' }]));
  });

  it('renders versions with the same key order on every database (jsonb reorders stored keys)', async () => {
    const created = await http(t, 'POST', '/v1/environments', {
      body: {
        name: 'key-order',
        metadata: { zz_last: '1', a: '2', mm: '3' },
        config: { type: 'cloud', networking: { allow_package_managers: true, type: 'limited', allowed_hosts: ['k.example.com'] } },
      },
    });
    await http(t, 'POST', `/v1/environments/${created.body.id}`, { body: { config: { type: 'cloud', networking: { type: 'unrestricted' } } } });
    const environmentKeys = ['id', 'type', 'name', 'description', 'config', 'metadata', 'scope', 'version', 'archived_at', 'created_at', 'updated_at'];
    const limitedKeys = ['type', 'allowed_hosts', 'allow_mcp_servers', 'allow_package_managers'];
    const versions = (await http(t, 'GET', `/v1/environments/${created.body.id}/versions`)).body.data;
    const [switched, first] = versions;
    expect(Object.keys(first.environment)).toEqual(environmentKeys);
    expect(Object.keys(first.environment.config)).toEqual(['type', 'networking', 'packages']);
    expect(Object.keys(first.environment.config.networking)).toEqual(limitedKeys);
    expect(Object.keys(first.environment.metadata)).toEqual(['a', 'mm', 'zz_last']);
    for (const change of [...first.changes, ...switched.changes]) expect(Object.keys(change)).toEqual(['path', 'from', 'to']);
    const networkingSwitch = switched.changes.find((c: any) => c.path === 'config.networking');
    expect(Object.keys(networkingSwitch.from)).toEqual(limitedKeys);
    const past = await http(t, 'GET', `/v1/environments/${created.body.id}?version=1`);
    const { request_id: _ignored, ...pastBody } = past.body;
    expect(JSON.stringify(pastBody)).toBe(JSON.stringify(first.environment));
    expect(Object.keys(pastBody)).toEqual(environmentKeys);
  });

  describe('organization-wide, filtered', () => {
    let base: { env: string; start: string; middle: string; end: string };

    beforeAll(async () => {
      // 250 versions by the second key on one environment, among others.
      const env = await http(second, 'POST', '/v1/environments', { body: { name: 'busy' } });
      const start = env.body.created_at;
      let middle = '';
      for (let i = 1; i < 250; i++) {
        const r = await http(second, 'POST', `/v1/environments/${env.body.id}`, { body: { description: `busy ${i}` } });
        if (i === 125) middle = r.body.updated_at;
        if (i % 10 === 0) await http(first, 'POST', '/v1/environments', { body: { name: `noise-${i}` } });
      }
      const last = await http(second, 'GET', `/v1/environments/${env.body.id}`);
      base = { env: env.body.id, start, middle, end: last.body.updated_at };
    });

    it('pages through 250 versions filtered by key with no duplicates and no gaps', async () => {
      const versions = await all(`/v1/environment_versions?api_key_id=${second.id}&environment_id=${base.env}`);
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 250 }, (_, i) => 250 - i));
      const byKey = await all(`/v1/environment_versions?api_key_id=${second.id}`);
      expect(new Set(byKey.map((v) => v.id)).size).toBe(byKey.length);
      expect(byKey.every((v) => v.created_by.api_key_id === second.id)).toBe(true);
      for (let i = 1; i < byKey.length; i++) expect(byKey[i - 1].created_at >= byKey[i].created_at).toBe(true);
    });

    it('filters by operation, by time range, and by any combination', async () => {
      const created = await all('/v1/environment_versions?operation=created');
      expect(created.length).toBeGreaterThan(20);
      expect(created.every((v) => v.operation === 'created')).toBe(true);
      const range = await all(
        `/v1/environment_versions?environment_id=${base.env}&created_at[gte]=${base.middle}&created_at[lte]=${base.end}`,
      );
      expect(range.length).toBeGreaterThanOrEqual(125);
      expect(range.every((v) => v.created_at >= base.middle && v.created_at <= base.end)).toBe(true);
      const combined = await all(
        `/v1/environment_versions?api_key_id=${second.id}&operation=modified&created_at[lte]=${base.middle}&environment_id=${base.env}`,
      );
      expect(combined.length).toBeGreaterThan(0);
      expect(combined.every((v) => v.operation === 'modified' && v.created_at <= base.middle && v.created_by.api_key_id === second.id)).toBe(true);
      const firstKeyNoise = await all(`/v1/environment_versions?api_key_id=${firstKeyId}&operation=created`);
      expect(firstKeyNoise.some((v) => v.environment_id === base.env)).toBe(false);
      // Offsets in time zones other than Z are accepted and normalized.
      const offset = await http(t, 'GET', `/v1/environment_versions?created_at[gte]=2000-01-01T02:00:00%2B02:00&limit=1`);
      expect(offset.status).toBe(200);
    });

    it('pages an upper time bound exactly, even with a cursor from an unbounded listing', async () => {
      const everything = await all(`/v1/environment_versions?environment_id=${base.env}`);
      const upToMiddle = await all(`/v1/environment_versions?environment_id=${base.env}&created_at[lte]=${base.middle}`);
      expect(upToMiddle.map((v) => v.id)).toEqual(everything.filter((v) => v.created_at <= base.middle).map((v) => v.id));
      // A cursor taken from the newest page (later than the bound) resumes at the bound, not past it.
      const newest = await http(t, 'GET', `/v1/environment_versions?environment_id=${base.env}&limit=5`);
      expect(newest.body.data[4].created_at > base.middle).toBe(true);
      const resumed = await http(
        t,
        'GET',
        `/v1/environment_versions?environment_id=${base.env}&created_at[lte]=${base.middle}&limit=5&page=${newest.body.next_page}`,
      );
      expect(resumed.status).toBe(200);
      expect(resumed.body.data.map((v: any) => v.id)).toEqual(upToMiddle.slice(0, 5).map((v) => v.id));
    });

    it('refuses bad filters with a 400', async () => {
      for (const query of ['operation=renamed', 'created_at[gte]=yesterday', 'created_at[lte]=2026-13-01T00:00:00Z', 'limit=0', 'page=nope']) {
        const r = await http(t, 'GET', `/v1/environment_versions?${query}`);
        expect(r.status).toBe(400);
        expect(r.body.error.type).toBe('invalid_request_error');
      }
    });

    it("never shows another organization's versions", async () => {
      const stranger = await t.createKey('stranger-org');
      const theirs = await http({ baseUrl: t.baseUrl, key: stranger.key }, 'GET', '/v1/environment_versions');
      expect(theirs.body.data).toEqual([]);
      const filtered = await http({ baseUrl: t.baseUrl, key: stranger.key }, 'GET', `/v1/environment_versions?environment_id=${base.env}`);
      expect(filtered.body.data).toEqual([]);
      expect((await http({ baseUrl: t.baseUrl, key: stranger.key }, 'GET', `/v1/environments/${base.env}/versions`)).status).toBe(404);
    });
  });
});
