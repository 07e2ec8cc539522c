import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import { Database, sql } from '../../src/database/database';
import { openTestDatabase } from '../support/open-database';
import { usingPostgres } from '../support/database';

/** The database operations a rebuild reads and writes in bulk with, on the adapter under test. */
describe('bulk operations of a replay', () => {
  let db: Database;
  let close: () => Promise<void>;
  let config: Awaited<ReturnType<typeof openTestDatabase>>['database']['config'];
  beforeAll(async () => {
    const opened = await openTestDatabase();
    ({ db, close } = opened);
    config = opened.database.config;
  });
  afterAll(async () => close());

  const rows = [
    ['org_a', "it's one", '2026-01-01T00:00:00.000Z'],
    ['org_b', 'two', '2026-01-02T00:00:00.000Z'],
  ];

  it('insert many rows, and read them back as arrays in the order selected', async () => {
    await db.transaction((tx) => tx.insertMany('organizations', ['id', 'name', 'created_at'], rows));
    const read = await db.queryArrays(sql`SELECT name, id FROM organizations WHERE id IN ${sql.tuple(['org_a', 'org_b'])} ORDER BY id`);
    expect(read).toEqual([
      ["it's one", 'org_a'],
      ['two', 'org_b'],
    ]);
    // The statement reads rows as objects again afterwards.
    expect(await db.query(sql`SELECT name, id FROM organizations WHERE id = ${'org_b'}`)).toEqual([{ name: 'two', id: 'org_b' }]);
  });

  it('refuse a row that breaks a constraint, as a failed query', async () => {
    await expect(db.transaction((tx) => tx.insertMany('organizations', ['id', 'name', 'created_at'], [rows[0]]))).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('tell a snapshot from a later one only when another connection committed in between (SQLite), and nothing on PostgreSQL', async () => {
    const other = await Database.open(config, { migrate: false });
    try {
      await db.session(async (session) => {
        const first = await session.transaction((tx) => tx.commitCounter(), 'read');
        const quiet = await session.transaction((tx) => tx.commitCounter());
        await other.execute(sql`UPDATE organizations SET name = 'three' WHERE id = ${'org_b'}`);
        const after = await session.transaction((tx) => tx.commitCounter());
        if (usingPostgres()) {
          expect([first, quiet, after]).toEqual([null, null, null]);
        } else {
          expect(quiet).toBe(first);
          expect(after).not.toBe(first);
        }
      });
    } finally {
      await other.close();
    }
  });

  it('run work with a small page cache and set it back', async () => {
    await db.session(async (session) => {
      const size = () => session.query(sql.raw(usingPostgres() ? 'SELECT 1 AS cache_size' : 'PRAGMA cache_size'));
      const before = await size();
      expect(await session.withPageCache(512, async () => (usingPostgres() ? 'ran' : (await size())[0]))).toEqual(usingPostgres() ? 'ran' : { cache_size: -512 });
      expect(await size()).toEqual(before);
    });
  });
});
