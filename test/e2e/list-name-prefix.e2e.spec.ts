import { expectError, NO_DETAILS } from '../support/envelope';
import { allPages, walkPages } from '../support/paging';
import { http, TestApp, withTestApp } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * `GET /v1/environments?name_prefix=`: a case-sensitive prefix of the name,
 * compared character by character with no wildcards, the same on SQLite and
 * PostgreSQL, combined with include_archived and the created_at cursor.
 */
describe('listing environments by name prefix', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));

  /** Every environment of the organization, newest first (the listing's own order). */
  let everything: any[];
  const archivedNames = new Set(['alpha-2', 'alpha-5', 'ünï-2']);
  const long = 'l'.repeat(256);
  const NAMES = [
    'alpha-1', 'beta-1', 'alpha-2', 'Alpha-upper', 'alpha-3', 'ALPHA-4', 'alpha-4', 'alpha-5', 'alpXha', 'al_pha',
    'alp%ha', '100%', '100x', '100', 'ünïcødé-1', 'ünï-2', 'unicode-plain', '日本-環境', '🚀launch', '🚀', 'beta-2', long,
    'alpha-6', 'alpha-7',
  ];

  beforeAll(async () => {
    for (const name of NAMES) {
      const created = await http(t, 'POST', '/v1/environments', { body: { name } });
      expect(created.status).toBe(200);
      if (archivedNames.has(name)) expect((await http(t, 'POST', `/v1/environments/${created.body.id}/archive`)).status).toBe(200);
    }
    everything = await allPages(t, '/v1/environments?include_archived=true', 100);
    expect(everything).toHaveLength(NAMES.length);
  });

  const query = (prefix: string, extra = '') => `/v1/environments?name_prefix=${encodeURIComponent(prefix)}${extra}`;
  const expected = (prefix: string, includeArchived: boolean) =>
    everything.filter((e) => e.name.startsWith(prefix) && (includeArchived || e.archived_at === null)).map((e) => e.id);
  const namesOf = (ids: string[]) => ids.map((id) => everything.find((e) => e.id === id).name);

  it.each([1, 2, 3, 100])('pages of %s under a filter neither skip nor repeat, with and without archived ones', async (limit) => {
    for (const includeArchived of [false, true]) {
      const { items, pages } = await walkPages(t, query('alpha-', `&include_archived=${includeArchived}`), limit);
      expect(items.map((e) => e.id)).toEqual(expected('alpha-', includeArchived));
      expect(new Set(items.map((e) => e.id)).size).toBe(items.length);
      if (limit === 2) expect(pages).toBeGreaterThan(2);
    }
    expect(namesOf(expected('alpha-', false)).sort()).toEqual(['alpha-1', 'alpha-3', 'alpha-4', 'alpha-6', 'alpha-7']);
  });

  it('is case-sensitive', async () => {
    expect(namesOf((await allPages(t, query('Alpha'), 100)).map((e) => e.id))).toEqual(['Alpha-upper']);
    expect(namesOf((await allPages(t, query('ALPHA'), 100)).map((e) => e.id))).toEqual(['ALPHA-4']);
    expect(await allPages(t, query('aLPHA'), 100)).toEqual([]);
  });

  it('treats % and _ as plain characters, not wildcards', async () => {
    const names = async (prefix: string) => namesOf((await allPages(t, query(prefix), 100)).map((e) => e.id)).sort();
    expect(await names('100%')).toEqual(['100%']);
    expect(await names('100')).toEqual(['100', '100%', '100x']);
    expect(await names('al_')).toEqual(['al_pha']);
    expect(await names('alp%')).toEqual(['alp%ha']);
    expect(await names('%')).toEqual([]);
    expect(await names('_')).toEqual([]);
    expect(await names('alp')).toEqual(['alp%ha', 'alpXha', 'alpha-1', 'alpha-3', 'alpha-4', 'alpha-6', 'alpha-7']);
  });

  it('compares unicode by characters', async () => {
    const names = async (prefix: string, extra = '') => namesOf((await allPages(t, query(prefix, extra), 100)).map((e) => e.id)).sort();
    expect(await names('ünï')).toEqual(['ünïcødé-1']);
    expect(await names('ünï', '&include_archived=true')).toEqual(['ünï-2', 'ünïcødé-1']);
    expect(await names('u')).toEqual(['unicode-plain']);
    expect(await names('日本')).toEqual(['日本-環境']);
    expect(await names('🚀')).toEqual(['🚀', '🚀launch']);
    expect(await names('🚀l')).toEqual(['🚀launch']);
    // A whole name is a prefix of itself; 256 characters is the longest prefix, also of 4-byte characters.
    expect(await names(long)).toEqual([long]);
    expect(await names('🚀'.repeat(256))).toEqual([]);
    expect(await names('beta-1')).toEqual(['beta-1']);
    expect(await names('beta-1 ')).toEqual([]);
  });

  it('keeps the cursor of the unfiltered listing valid (it is a position in the same order)', async () => {
    const first = await http(t, 'GET', '/v1/environments?limit=5&include_archived=true');
    expect(first.status).toBe(200);
    const rest = await http(t, 'GET', `${query('alpha-', '&include_archived=true&limit=100')}&page=${encodeURIComponent(first.body.next_page)}`);
    expect(rest.status).toBe(200);
    const seen = new Set(first.body.data.map((e: any) => e.id));
    expect(rest.body.data.map((e: any) => e.id)).toEqual(expected('alpha-', true).filter((id) => !seen.has(id)));
  });

  it('refuses an empty, too long or repeated prefix with a 400 in the envelope', async () => {
    for (const path of [
      '/v1/environments?name_prefix=',
      query('x'.repeat(257)),
      query('🚀'.repeat(257)),
      '/v1/environments?name_prefix=a&name_prefix=b',
    ]) {
      const response = await http(t, 'GET', path);
      expectError(response, 400, 'invalid_request_error', NO_DETAILS, { what: path.slice(0, 60) });
      expect(response.body.error.message).toMatch(/name_prefix/);
    }
  });

  it('sees only its own organization', async () => {
    const other = await t.createKey('prefix-other-org');
    const mine = await http({ baseUrl: t.baseUrl, key: other.key }, 'GET', query('alpha'));
    expect(mine.status).toBe(200);
    expect(mine.body.data).toEqual([]);
  });
});
