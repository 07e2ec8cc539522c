import { Database, sql } from '../../src/database/database';
import { listEnvironmentsQuery } from '../../src/environments/projections/environments.read-model';
import { openTestDatabase } from '../support/open-database';

/**
 * Keyset listing must be an index range scan on both databases: a deep page
 * then costs about the same as the first, and nothing is sorted or scanned.
 */
describe('environment listing query plans', () => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase());
    // Enough rows across organizations for the planner to prefer the index.
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const config = JSON.stringify({ type: 'self_hosted' });
    await db.transaction(async (tx) => {
      for (let i = 0; i < 3000; i++) {
        const at = new Date(base + i * 1000).toISOString();
        await tx.execute(
          sql`INSERT INTO environments (id, organization_id, name, description, config, metadata, scope, version,
             archived_at, created_at, updated_at) VALUES (${`env_${String(i).padStart(24, '0')}`}, ${`org_${i % 10}`}, ${`env-${i}`},
             NULL, ${config}, '{}', 'organization', 1, ${i % 7 === 0 ? at : null}, ${at}, ${at})`,
        );
      }
    });
    if (db.label === 'postgres') await db.execute(sql`ANALYZE environments`);
  });

  afterAll(async () => close());

  async function plan(includeArchived: boolean, after: boolean, namePrefix: string | null = null): Promise<string> {
    const query = listEnvironmentsQuery('org_3', {
      includeArchived,
      after: after ? { c: '2026-01-01T00:30:00.000Z', i: 'env_000000000000000000000500' } : null,
      limit: 20,
      namePrefix,
    });
    if (db.label === 'sqlite') {
      const rows = await db.query<{ detail: string }>(sql`EXPLAIN QUERY PLAN ${query}`);
      return rows.map((row) => row.detail).join('\n');
    }
    // A small table may be cheaper to scan; what matters is that the index serves the keyset condition.
    return db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const rows = await tx.query<Record<string, string>>(sql`EXPLAIN ${query}`);
      return rows.map((row) => Object.values(row)[0]).join('\n');
    });
  }

  it.each([
    [false, false, 'environments_org_active_created'],
    [false, true, 'environments_org_active_created'],
    [true, false, 'environments_org_created'],
    [true, true, 'environments_org_created'],
  ])('include_archived=%s, after a cursor=%s uses %s without sorting', async (includeArchived, after, index) => {
    await expectKeysetPlan(await plan(includeArchived, after), after, index);
  });

  // A name prefix filters the rows of an index scan of the organization, never a scan of the table. SQLite keeps
  // the keyset order; PostgreSQL, expecting few names to match, may rather fetch them (bitmap) and sort those few.
  it.each([
    [false, true, 'environments_org_active_created'],
    [true, false, 'environments_org_created'],
    [true, true, 'environments_org_created'],
  ])('with a name prefix, include_archived=%s, after a cursor=%s: an index scan of the organization', async (includeArchived, after, index) => {
    const text = await plan(includeArchived, after, 'env-1');
    if (db.label === 'sqlite') {
      await expectKeysetPlan(text, after, index);
      return;
    }
    expect(text).not.toMatch(/Seq Scan/);
    expect(text).toMatch(/Index Cond: \(\(?organization_id = /);
    expect(text).toMatch(/Filter: \(substr\(name, 1, 5\) = /);
    if (after) expect(text).toMatch(/ROW\(created_at, id\) < ROW/);
  });

  async function expectKeysetPlan(text: string, after: boolean, index: string): Promise<void> {
    expect(text).toContain(index);
    if (db.label === 'sqlite') {
      expect(text).not.toMatch(/TEMP B-TREE/);
      expect(text).not.toMatch(/^SCAN environments$/m);
      if (after) expect(text).toMatch(/SEARCH environments USING INDEX \S+ \(organization_id=\? AND \(created_at,id\)<\(\?,\?\)\)/);
    } else {
      expect(text).not.toMatch(/Sort|Seq Scan/);
      if (after) expect(text).toMatch(/Index Cond: .*ROW\(created_at, id\) < ROW/);
    }
  }
});
