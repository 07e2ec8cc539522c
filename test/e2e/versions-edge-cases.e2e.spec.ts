import { allPages } from '../support/paging';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(180_000);

/** Edge cases of the audit history API (the main suite is audit-history.e2e.spec.ts): time bounds, key order, cursors with bounds. */
describe('audit history API: edge cases', () => {
  let t: TestApp;
  let second: { baseUrl: string; key: string; id: string };
  let first: { baseUrl: string; key: string };

  beforeAll(async () => {
    t = await startTestApp();
    first = { baseUrl: t.baseUrl, key: t.key };
    const created = await t.createKey('test-org');
    second = { baseUrl: t.baseUrl, key: created.key, id: created.id };
  });
  afterAll(async () => t.close());

  /** Every page of a listing, 37 items a page. */
  const all = (path: string, client = first): Promise<any[]> => allPages(client, path, 37);

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
      // 80 versions on one environment, among others.
      const env = await http(second, 'POST', '/v1/environments', { body: { name: 'busy' } });
      const start = env.body.created_at;
      let middle = '';
      for (let i = 1; i < 80; i++) {
        const r = await http(second, 'POST', `/v1/environments/${env.body.id}`, { body: { description: `busy ${i}` } });
        if (i === 40) middle = r.body.updated_at;
        if (i % 10 === 0) await http(first, 'POST', '/v1/environments', { body: { name: `noise-${i}` } });
      }
      const last = await http(second, 'GET', `/v1/environments/${env.body.id}`);
      base = { env: env.body.id, start, middle, end: last.body.updated_at };
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
  });
});
