import { Database, sql } from '../../src/database/database';
import { openTestDatabase } from '../support/open-database';

/** SQLite's `PRAGMA temp_store`: 0 is SQLite's default (temporary files on disk), 2 is memory. */
const DEFAULT = 0;
const MEMORY = 2;

/**
 * Where the writer keeps temporary storage: in memory while transactions
 * share batches (each savepoint's sub-journal is then a buffer, not a file),
 * on disk, as SQLite does by default, in a session, whose temporary tables
 * (a rebuild's or an import's scratch copies) may hold every row of the
 * database (BENCHMARKS.md, "CPU per update, third pass").
 */
describe('SQLite temporary storage', () => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase({ forceSqlite: true }));
  });
  afterAll(async () => close?.());

  const tempStore = (q: { query: Database['query'] }) => q.query<{ temp_store: number }>(sql`PRAGMA temp_store`).then((rows) => Number(rows[0].temp_store));

  it('is memory inside the write transactions that share batches', async () => {
    expect(await db.transaction((tx) => tempStore(tx))).toBe(MEMORY);
  });

  it("is SQLite's default on disk in a session, and memory again for the transactions after it", async () => {
    const inSession = await db.session(async (session) => {
      await session.execute(sql`CREATE TEMP TABLE test_scratch (n INTEGER)`);
      await session.execute(sql`INSERT INTO test_scratch VALUES (1)`);
      const mode = await tempStore(session);
      await session.execute(sql`DROP TABLE test_scratch`);
      return mode;
    });
    expect(inSession).toBe(DEFAULT);
    expect(await db.transaction((tx) => tempStore(tx))).toBe(MEMORY);
  });
});
