import { Database, sql } from '../../src/database/database';
import { openTestDatabase } from '../support/open-database';

/** The sql tag, rendered by the adapter under test and run on its database. */
describe('sql tag', () => {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => ({ db, close } = await openTestDatabase()));
  afterAll(async () => close());

  it('binds every value where it stands, never as SQL text', async () => {
    const hostile = "x'; DROP TABLE events; --";
    const rows = await db.query<{ a: string; b: number | string }>(sql`SELECT ${hostile} AS a, ${41} + 1 AS b`);
    expect(rows).toEqual([{ a: hostile, b: expect.anything() }]);
    expect(Number(rows[0].b)).toBe(42);
    expect(await db.query(sql`SELECT COUNT(*) AS n FROM events`)).toHaveLength(1);
  });

  it('splices fragments, joined lists, tuples and optional parts, keeping the values in order', async () => {
    await db.execute(sql`INSERT INTO organizations (id, name, created_at) VALUES ${sql.join([
      sql.tuple(['org_1', 'one', '2026-01-01T00:00:00.000Z']),
      sql.tuple(['org_2', 'two', '2026-01-02T00:00:00.000Z']),
      sql.tuple(['org_3', 'three', '2026-01-03T00:00:00.000Z']),
    ])}`);
    const select = (names: string[], since: string | null) =>
      db.query<{ id: string }>(
        sql`SELECT id FROM ${sql.raw('organizations')} WHERE name IN ${sql.tuple(names)}${sql.when(
          since !== null,
          () => sql` AND created_at >= ${sql.timestamp(since!)}`,
        )} ORDER BY ${sql.identifiers(['created_at', 'id'])}`,
      );
    expect((await select(['one', 'three'], null)).map((r) => r.id)).toEqual(['org_1', 'org_3']);
    expect((await select(['one', 'two', 'three'], '2026-01-02T00:00:00.000Z')).map((r) => r.id)).toEqual(['org_2', 'org_3']);
    const where = [sql`id <> ${'org_1'}`, sql`name <> ${'three'}`];
    expect(await db.query(sql`SELECT id FROM organizations WHERE ${sql.join(where, ' AND ')}`)).toEqual([{ id: 'org_2' }]);
  });

  it('renders a row lock where the database has one, and nothing where it does not', async () => {
    const rows = await db.transaction((tx) => tx.query<{ id: string }>(sql`SELECT id FROM organizations WHERE id = ${'org_2'}${sql.forUpdate}`));
    expect(rows).toEqual([{ id: 'org_2' }]);
  });
});
