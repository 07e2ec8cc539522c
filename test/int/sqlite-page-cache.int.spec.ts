import { Database, sql } from '../../src/database/database';
import { WRITER_PAGE_CACHE_KIB } from '../../src/database/sqlite/sqlite-database';
import { openTestDatabase } from '../support/open-database';

/**
 * SQLite's page caches: the writer's is WRITER_PAGE_CACHE_KIB (its reads are
 * lookups by key; a larger cache only grew the service's memory), and a
 * rebuild's smaller cache is set back to it afterwards.
 */
describe('SQLite writer page cache', () => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase({ forceSqlite: true }));
  });
  afterAll(async () => close?.());

  const writerCache = () => db.transaction(async (tx) => Number((await tx.query<{ cache_size: number }>(sql`PRAGMA cache_size`))[0].cache_size));

  it('holds WRITER_PAGE_CACHE_KIB on the connection that writes', async () => {
    expect(await writerCache()).toBe(-WRITER_PAGE_CACHE_KIB);
  });

  it('is set back after a session that asked for a smaller one', async () => {
    const inside = await db.session((session) =>
      session.withPageCache(512, async () => Number((await session.query<{ cache_size: number }>(sql`PRAGMA cache_size`))[0].cache_size)),
    );
    expect(inside).toBe(-512);
    expect(await writerCache()).toBe(-WRITER_PAGE_CACHE_KIB);
  });
});
