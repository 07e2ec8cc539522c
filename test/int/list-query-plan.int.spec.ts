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

  const ACTIVE = ['environments_org_active_created'];
  // Archived environments have an index of their own: including them merges the two ranges.
  const BOTH = ['environments_org_active_created', 'environments_org_archived_created'];

  it.each([
    [false, false, ACTIVE],
    [false, true, ACTIVE],
    [true, false, BOTH],
    [true, true, BOTH],
  ])('include_archived=%s, after a cursor=%s uses %j without sorting', async (includeArchived, after, indexes) => {
    await expectKeysetPlan(await plan(includeArchived, after), after, indexes);
  });

  // A name prefix filters the rows of an index scan of the organization, never a scan of the table. SQLite keeps
  // the keyset order; PostgreSQL, expecting few names to match, may rather fetch them (bitmap) and sort those few.
  it.each([
    [false, true, ACTIVE],
    [true, false, BOTH],
    [true, true, BOTH],
  ])('with a name prefix, include_archived=%s, after a cursor=%s: an index scan of the organization', async (includeArchived, after, indexes) => {
    const text = await plan(includeArchived, after, 'env-1');
    if (db.label === 'sqlite') {
      await expectKeysetPlan(text, after, indexes);
      return;
    }
    expect(text).not.toMatch(/Seq Scan/);
    expect(text).toMatch(/Index Cond: \(\(?organization_id = /);
    expect(text).toMatch(/Filter: \(substr\(name, 1, 5\) = /);
    if (after) expect(text).toMatch(/ROW\(created_at, id\) < ROW/);
  });

  /** One index range scan per index; with two, merged in order, each read only as far as the page needs. Nothing sorted. */
  async function expectKeysetPlan(text: string, after: boolean, indexes: string[]): Promise<void> {
    for (const index of indexes) expect(text).toContain(index);
    if (db.label === 'sqlite') {
      expect(text).not.toMatch(/TEMP B-TREE/);
      expect(text).not.toMatch(/SCAN environments/);
      expect((text.match(/SEARCH environments USING INDEX/g) ?? []).length).toBe(indexes.length);
      if (indexes.length > 1) expect(text).toMatch(/MERGE \(UNION ALL\)/);
      if (after) {
        const ranges = text.match(/SEARCH environments USING INDEX \S+ \(organization_id=\? AND \(created_at,id\)<\(\?,\?\)\)/g) ?? [];
        expect(ranges.length).toBe(indexes.length);
      }
    } else {
      // A Sort node, not the Sort Key a Merge Append names.
      expect(text).not.toMatch(/(^|->)\s*(Incremental )?Sort\s+\(|Seq Scan/m);
      if (indexes.length > 1) {
        expect(text).toMatch(/Merge Append/);
        expect((text.match(/->\s+Limit/g) ?? []).length).toBe(indexes.length);
      }
      if (after) expect((text.match(/Index Cond: .*ROW\(created_at, id\) < ROW/g) ?? []).length).toBe(indexes.length);
    }
  }
});
