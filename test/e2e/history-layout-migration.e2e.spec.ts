import { sql } from '../../src/database/database';
import { AscendingListingIndexes1765100000000 } from '../../src/migrations/1765100000000-ascending-listing-indexes';
import { HistoryStoresPrevious1765200000000 } from '../../src/migrations/1765200000000-history-stores-previous';
import { ScopedAuditIndexes1765300000000 } from '../../src/migrations/1765300000000-scoped-audit-indexes';
import { HistoryKeyedByPosition1765400000000 } from '../../src/migrations/1765400000000-history-keyed-by-position';
import { DisjointListingIndexes1765500000000 } from '../../src/migrations/1765500000000-disjoint-listing-indexes';
import { verifyProjections } from '../../src/projections';
import { runMigrationSteps } from '../support/migrations';
import { allPages } from '../support/paging';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(180_000);

/**
 * The history stores each entry's environment as it was before the change
 * (the newest state is the current row), the listing and history indexes
 * are ascending, and those of an environment's and a key's history do not
 * start with the organization; the history is keyed by its events'
 * positions. The migrations go down to the layout before them and up again,
 * and the API answers the same history after the round trip.
 */
describe('history layout migrations', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};

  async function ok(method: string, path: string, body?: unknown): Promise<any> {
    const r = await http(t, method, path, body === undefined ? {} : { body });
    expect({ status: r.status, body: r.status === 200 ? 'ok' : r.body }).toEqual({ status: 200, body: 'ok' });
    return r.body;
  }

  beforeAll(async () => {
    t = await startTestApp();
    ids.created = (await ok('POST', '/v1/environments', { name: 'layout-created', metadata: { team: 'ml' } })).id;
    ids.changed = (await ok('POST', '/v1/environments', { name: 'layout-changed', description: 'one' })).id;
    await ok('POST', `/v1/environments/${ids.changed}`, { description: 'two', metadata: { owner: 'ana' } });
    await ok('POST', `/v1/environments/${ids.changed}`, { name: 'layout-renamed' });
    await ok('POST', `/v1/environments/${ids.changed}/archive`);
    ids.deleted = (await ok('POST', '/v1/environments', { name: 'layout-deleted' })).id;
    await ok('POST', `/v1/environments/${ids.deleted}`, { description: 'before deletion' });
    await ok('DELETE', `/v1/environments/${ids.deleted}`);
  });
  afterAll(async () => t.close());

  /** Everything the API says about these environments' histories. */
  async function answers(): Promise<unknown[]> {
    const all: unknown[] = [await allPages(t, '/v1/environment_versions', 2)];
    for (const id of Object.values(ids)) all.push(await allPages(t, `/v1/environments/${id}/versions`, 3));
    for (const version of [1, 2, 3, 4, 5]) {
      const { status, body } = await http(t, 'GET', `/v1/environments/${ids.changed}?version=${version}`);
      all.push({ status, body: status === 200 ? body : body.error });
    }
    return all;
  }

  /** Takes the layout migrations down (newest first) or up, on a connection of their own; the listing's too, which the first one's down step needs gone. */
  function migrate(step: 'up' | 'down'): Promise<void> {
    const migrations = [
      new AscendingListingIndexes1765100000000(),
      new HistoryStoresPrevious1765200000000(),
      new ScopedAuditIndexes1765300000000(),
      new HistoryKeyedByPosition1765400000000(),
      new DisjointListingIndexes1765500000000(),
    ];
    return runMigrationSteps(t, async (runner) => {
      for (const migration of step === 'up' ? migrations : migrations.reverse()) await migration[step](runner);
    });
  }

  it('serves every version from the next version or the current row, and the deletion keeps what it deleted', async () => {
    const rows = await t.db.query<{ environment_id: string; version: number | string; previous: unknown }>(
      sql`SELECT environment_id, version, previous FROM environment_versions ORDER BY environment_id, version`,
    );
    const previous = (id: string) => rows.filter((row) => row.environment_id === id).map((row) => (row.previous === null ? null : 'stored'));
    expect(previous(ids.created)).toEqual([null]);
    expect(previous(ids.changed)).toEqual([null, 'stored', 'stored', 'stored']);
    expect(previous(ids.deleted)).toEqual([null, 'stored', 'stored']);
    const versions = await allPages(t, `/v1/environments/${ids.changed}/versions`, 10);
    expect(versions.map((v) => [v.version, v.environment.version, v.environment.name, v.environment.description])).toEqual([
      [4, 4, 'layout-renamed', 'two'],
      [3, 3, 'layout-renamed', 'two'],
      [2, 2, 'layout-changed', 'two'],
      [1, 1, 'layout-changed', 'one'],
    ]);
    expect(versions[0].environment.archived_at).not.toBeNull();
    const deleted = await allPages(t, `/v1/environment_versions?environment_id=${ids.deleted}`, 10);
    expect(deleted.map((v) => [v.operation, v.environment?.description ?? null])).toEqual([
      ['deleted', null],
      ['modified', 'before deletion'],
      ['created', null],
    ]);
    for (const version of [1, 2, 3]) {
      const asOf = await http(t, 'GET', `/v1/environments/${ids.changed}?version=${version}`);
      expect(asOf.body).toEqual(versions[4 - version].environment);
    }
  });

  it('goes down to full snapshots after each change and descending indexes, and up again to the same answers', async () => {
    const before = await answers();
    const history = (before[0] as { environment_id: string; version: number; environment: unknown }[]).map((v) => [
      v.environment_id,
      v.version,
      v.environment,
    ]);
    await migrate('down');
    const rows = await t.db.query<{ environment_id: string; version: number | string; environment: unknown }>(
      sql`SELECT environment_id, version, environment FROM environment_versions ORDER BY created_at DESC, event_position DESC`,
    );
    const stored = rows.map((row) => [
      row.environment_id,
      Number(row.version),
      typeof row.environment === 'string' ? JSON.parse(row.environment) : row.environment,
    ]);
    expect(stored).toEqual(history);
    expect(await keyOfHistory()).toEqual(['id']);
    await migrate('up');
    expect(await keyOfHistory()).toEqual(['event_position']);
    expect(await answers()).toEqual(before);
    expect((await verifyProjections(t.db)).differences).toEqual([]);
  });

  /** The history table's primary key columns, as the database reports them. */
  async function keyOfHistory(): Promise<string[]> {
    if (t.db.label === 'sqlite') {
      const columns = await t.db.query<{ name: string; pk: number }>(sql`SELECT name, pk FROM pragma_table_info('environment_versions')`);
      return columns.filter((c) => c.pk > 0).map((c) => c.name);
    }
    const rows = await t.db.query<{ attname: string }>(
      sql`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
          WHERE i.indrelid = 'environment_versions'::regclass AND i.indisprimary`,
    );
    return rows.map((r) => r.attname);
  }

  it('keys the history by event position, with no index for the entry id', async () => {
    expect(await keyOfHistory()).toEqual(['event_position']);
    if (t.db.label !== 'sqlite') return;
    const indexes = await t.db.query<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'environment_versions'`);
    // Two automatic indexes: the key, and UNIQUE (environment_id, version); none for the id.
    const automatic = await Promise.all(
      indexes
        .filter((i) => i.name.startsWith('sqlite_autoindex_'))
        .map(async (i) => (await t.db.query<{ name: string }>(sql`SELECT name FROM pragma_index_info(${i.name})`)).map((c) => c.name).join(', ')),
    );
    expect(automatic.sort()).toEqual(['environment_id, version', 'event_position']);
  });
});
