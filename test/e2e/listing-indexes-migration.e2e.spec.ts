import { sql } from '../../src/database/database';
import { DisjointListingIndexes1765500000000 } from '../../src/migrations/1765500000000-disjoint-listing-indexes';
import { runMigrationSteps } from '../support/migrations';
import { allPages } from '../support/paging';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * The listing has one index for the environments not archived and one for
 * the archived ones. A listing that includes archived environments merges
 * the two; it must answer exactly what one index of every environment did,
 * on every page, and the migration goes down to that index and up again.
 */
describe('disjoint listing indexes', () => {
  let t: TestApp;
  const created: { id: string; created_at: string; archived: boolean }[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    for (let i = 0; i < 11; i++) {
      const r = await http(t, 'POST', '/v1/environments', { body: { name: `listed-${i % 2 ? 'odd' : 'even'}-${i}` } });
      expect(r.status).toBe(200);
      created.push({ id: r.body.id, created_at: r.body.created_at, archived: i % 3 === 0 });
    }
    for (const environment of created.filter((e) => e.archived)) {
      expect((await http(t, 'POST', `/v1/environments/${environment.id}/archive`)).status).toBe(200);
    }
  });
  afterAll(async () => t.close());

  /** The ids the API lists, page by page: with and without archived environments, and with a name prefix. */
  async function answers(): Promise<string[][]> {
    const ids = (items: { id: string }[]) => items.map((item) => item.id);
    return [
      ids(await allPages(t, '/v1/environments?include_archived=true', 2)),
      ids(await allPages(t, '/v1/environments?include_archived=true', 100)),
      ids(await allPages(t, '/v1/environments', 2)),
      ids(await allPages(t, '/v1/environments?include_archived=true&name_prefix=listed-odd', 2)),
    ];
  }

  async function indexes(): Promise<string[]> {
    const rows =
      t.db.label === 'sqlite'
        ? await t.db.query<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'environments' AND sql IS NOT NULL`)
        : await t.db.query<{ name: string }>(
            sql`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'environments' AND indexname <> 'environments_pkey'`,
          );
    return rows.map((row) => row.name).sort();
  }

  function migrate(step: 'up' | 'down'): Promise<void> {
    return runMigrationSteps(t, (runner) => new DisjointListingIndexes1765500000000()[step](runner));
  }

  it('lists archived and other environments merged newest first, on every page', async () => {
    const newestFirst = [...created].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
    const [all, onePage, active, odd] = await answers();
    expect(all).toEqual(newestFirst.map((e) => e.id));
    expect(onePage).toEqual(all);
    expect(active).toEqual(newestFirst.filter((e) => !e.archived).map((e) => e.id));
    expect(odd).toEqual(newestFirst.filter((e) => created.indexOf(e) % 2 === 1).map((e) => e.id));
    expect(await indexes()).toEqual(['environments_org_active_created', 'environments_org_archived_created', 'environments_org_name_unique']);
  });

  it('goes down to one index of every environment and up again, with the same answers', async () => {
    const before = await answers();
    await migrate('down');
    expect(await indexes()).toEqual(['environments_org_active_created', 'environments_org_created', 'environments_org_name_unique']);
    expect(await answers()).toEqual(before);
    await migrate('up');
    expect(await indexes()).toEqual(['environments_org_active_created', 'environments_org_archived_created', 'environments_org_name_unique']);
    expect(await answers()).toEqual(before);
  });
});
