import { sql } from '../../src/database/database';
import { CompactCreationChanges1764800000000 } from '../../src/migrations/1764800000000-compact-creation-changes';
import { HistoryStoresPrevious1765200000000 } from '../../src/migrations/1765200000000-history-stores-previous';
import { verifyProjections } from '../../src/projections';
import { runMigrationSteps } from '../support/migrations';
import { allPages } from '../support/paging';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(180_000);

/**
 * A creation's history entry stores no `changes` (they are derived from the
 * environment it stored). Histories written before, with the changes stored,
 * are compacted by a migration, and what the API answers is the same before,
 * in between and after.
 */
describe('compact creation entries in the history', () => {
  let t: TestApp;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const bodies = [
      { name: 'compact-plain' },
      {
        name: 'compact-full',
        description: 'every kind of field',
        metadata: { team: 'ml', owner: 'ana' },
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: true, allow_package_managers: true },
          packages: { pip: ['numpy==2.1.0'], apt: ['git'] },
        },
      },
      { name: 'compact-self-hosted', config: { type: 'self_hosted' } },
    ];
    for (const body of bodies) {
      const created = await http(t, 'POST', '/v1/environments', { body });
      expect({ status: created.status, body: created.status === 200 ? 'ok' : created.body }).toEqual({ status: 200, body: 'ok' });
      ids.push(created.body.id);
    }
    expect((await http(t, 'POST', `/v1/environments/${ids[0]}`, { body: { description: 'changed' } })).status).toBe(200);
  });
  afterAll(async () => t.close());

  /** Everything the history API says about these environments. */
  async function histories(): Promise<unknown[]> {
    const answers: unknown[] = [await allPages(t, '/v1/environment_versions', 2)];
    for (const id of ids) {
      answers.push(await allPages(t, `/v1/environments/${id}/versions`, 1));
      answers.push((await http(t, 'GET', `/v1/environments/${id}?version=1`)).body);
    }
    return answers;
  }

  async function storedCreationChanges(): Promise<unknown[]> {
    const rows = await t.db.query<{ changes: unknown }>(
      sql`SELECT changes FROM environment_versions WHERE operation = 'created' ORDER BY id`,
    );
    return rows.map((row) => (typeof row.changes === 'string' ? JSON.parse(row.changes) : row.changes));
  }

  /**
   * Runs the migration's step on its own connection to the test database,
   * with the later history layout (HistoryStoresPrevious) taken down around
   * it, as it was when this migration was written.
   */
  function migrate(step: 'up' | 'down'): Promise<void> {
    return runMigrationSteps(t, async (runner) => {
      if (step === 'down') await new HistoryStoresPrevious1765200000000().down(runner);
      await new CompactCreationChanges1764800000000()[step](runner);
      if (step === 'up') await new HistoryStoresPrevious1765200000000().up(runner);
    });
  }

  it('stores no changes for a creation and still answers every field it set', async () => {
    expect(await storedCreationChanges()).toEqual([[], [], []]);
    const [, full] = await Promise.all(ids.slice(0, 2).map((id) => allPages(t, `/v1/environments/${id}/versions`, 5)));
    expect(full[0].changes).toEqual([
      { path: 'name', from: null, to: 'compact-full' },
      { path: 'description', from: null, to: 'every kind of field' },
      { path: 'scope', from: null, to: 'organization' },
      { path: 'config.type', from: null, to: 'cloud' },
      { path: 'config.networking.type', from: null, to: 'limited' },
      { path: 'config.networking.allowed_hosts', from: null, to: ['api.example.com'] },
      { path: 'config.networking.allow_mcp_servers', from: null, to: true },
      { path: 'config.networking.allow_package_managers', from: null, to: true },
      { path: 'config.packages.apt', from: null, to: ['git'] },
      { path: 'config.packages.pip', from: null, to: ['numpy==2.1.0'] },
      { path: 'metadata.owner', from: null, to: 'ana' },
      { path: 'metadata.team', from: null, to: 'ml' },
    ]);
  });

  it('answers the same history from entries stored in full (before the migration) and compacted by it', async () => {
    const compact = await histories();
    await migrate('down');
    expect((await storedCreationChanges()).every((changes) => Array.isArray(changes) && changes.length > 0)).toBe(true);
    await migrate('up');
    expect(await storedCreationChanges()).toEqual([[], [], []]);
    expect(await histories()).toEqual(compact);
    const verify = await verifyProjections(t.db);
    expect(verify.differences).toEqual([]);
  });
});
