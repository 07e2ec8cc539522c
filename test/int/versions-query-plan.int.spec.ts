import { Database, sql } from '../../src/database/database';
import { organizationVersionsQuery, VersionFilters } from '../../src/environments/projections/environment-versions.read-model';
import { openTestDatabase } from '../support/open-database';

/** Every filter combination of the organization-wide history is an index range scan, never a sort or a scan. */
describe('audit history query plans', () => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase());
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    // 40 organizations; per organization 50 environments and 4 keys; mostly modifications.
    await db.transaction(async (tx) => {
      for (let i = 1; i <= 8000; i++) {
        const org = i % 40;
        const j = Math.floor(i / 40);
        const operation = j % 20 === 0 ? 'created' : j % 20 === 1 ? 'archived' : 'modified';
        await tx.execute(
          sql`INSERT INTO environment_versions (id, event_position, organization_id, environment_id, version, operation,
             created_at, actor_type, api_key_id, request_id, changes, previous)
           VALUES (${`envver_${String(i).padStart(24, '0')}`}, ${i}, ${`org_${org}`}, ${`env_${org}_${j % 50}`}, ${i}, ${operation},
             ${new Date(base + i * 60_000).toISOString()}, 'api_actor', ${`apikey_${org}_${j % 4}`}, NULL, '[]', NULL)`,
        );
      }
    });
    if (db.label === 'postgres') await db.execute(sql`ANALYZE environment_versions`);
    else await db.execute(sql`ANALYZE`);
  });
  afterAll(async () => close());

  const values: Required<VersionFilters> = {
    environment_id: 'env_3_7',
    operation: 'archived',
    api_key_id: 'apikey_3_1',
    created_at_gte: '2026-01-02T10:00:00.000Z',
    created_at_lte: '2026-01-04T10:00:00.000Z',
  };
  const names = Object.keys(values) as (keyof VersionFilters)[];
  const combinations: (keyof VersionFilters)[][] = [];
  for (let mask = 0; mask < 1 << names.length; mask++) combinations.push(names.filter((_, i) => mask & (1 << i)));
  const cases = combinations.flatMap((combo) => [[combo, false] as const, [combo, true] as const]);

  async function plan(filters: VersionFilters, after: boolean): Promise<string> {
    const query = organizationVersionsQuery('org_3', filters, after ? { c: '2026-01-04T00:00:00.000Z', p: 4000 } : null, 50);
    if (db.label === 'sqlite') {
      const rows = await db.query<{ detail: string }>(sql`EXPLAIN QUERY PLAN ${query}`);
      return rows.map((r) => r.detail).join('\n');
    }
    // With a few thousand rows the planner may prefer a bitmap scan plus a small sort; what matters is
    // that an index serves the filters, the time range and the order, as it does at scale (BENCHMARKS.md).
    return db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      await tx.execute(sql`SET LOCAL enable_bitmapscan = off`);
      const rows = await tx.query<Record<string, string>>(sql`EXPLAIN ${query}`);
      return rows.map((r) => Object.values(r)[0]).join('\n');
    });
  }

  it.each(cases.map(([combo, after]) => [combo.join(' + ') || 'no filter', after, combo]))(
    'filters: %s, after a cursor: %s',
    async (_label, after, combo) => {
      const filters = Object.fromEntries((combo as (keyof VersionFilters)[]).map((k) => [k, values[k]])) as VersionFilters;
      const text = await plan(filters, after as boolean);
      // An index whose equality prefix holds at least one of the equality filters (the planner picks
      // the most selective one it sees), never a walk through the organization's whole history.
      const has = (k: keyof VersionFilters) => (combo as string[]).includes(k);
      const acceptable = [
        ...(has('environment_id') ? ['env_created'] : []),
        ...(has('api_key_id') ? ['key_created'] : []),
        ...(has('api_key_id') && has('operation') ? ['key_op_created'] : []),
        ...(has('operation') ? ['org_op_created'] : []),
      ];
      if (acceptable.length === 0) acceptable.push('org_created');
      const used = /environment_versions_(\w+_created)\b/.exec(text)?.[1];
      expect(acceptable).toContain(used);
      // The range starts at the organization, or at an environment or a key (each of one organization).
      const first = used === 'env_created' ? 'environment_id' : used?.startsWith('key_') ? 'api_key_id' : 'organization_id';
      if (db.label === 'sqlite') {
        expect(text).toMatch(new RegExp(`SEARCH environment_versions USING INDEX environment_versions_\\w+ \\(${first}=\\?`));
        expect(text).not.toMatch(/TEMP B-TREE/);
        // After a cursor, the range starts at the cursor: it is the upper bound of the index search
        // itself (not created_at[lte] with the cursor checked row by row), so a deep page costs what
        // the first one does.
        const search = /USING INDEX environment_versions_\w+ \((.*)\)$/m.exec(text)?.[1] ?? '';
        if (after) expect(search).toContain('(created_at,event_position)<(?,?)');
        if (after) expect(search).not.toMatch(/created_at<\?/);
      } else {
        expect(text).toMatch(/Index (Only )?Scan( Backward)? using environment_versions_\w+/);
        expect(/using environment_versions_\w+_created on environment_versions .*\n\s*Index Cond: \(+(\w+)/.exec(text)?.[1]).toBe(first);
        expect(text).not.toMatch(/Seq Scan|Sort|Bitmap Heap Scan/);
        const cond = /Index Cond: (.*)$/m.exec(text)?.[1] ?? '';
        if (after) expect(cond).toContain('ROW(created_at, event_position) < ROW(');
      }
    },
  );
});
