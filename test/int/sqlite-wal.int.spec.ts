import { statSync } from 'node:fs';
import { Database, sql } from '../../src/database/database';
import { WAL_CHECKPOINT_PAGES } from '../../src/database/sqlite/sqlite-database';
import type { TestDatabase } from '../support/database';
import { openTestDatabase } from '../support/open-database';

/**
 * The write-ahead log on disk (SQLite): checkpointed, and so reused from its
 * start, once it holds WAL_CHECKPOINT_PAGES pages, so its file stays near
 * that size however much is written.
 */
describe('SQLite write-ahead log size', () => {
  let database: TestDatabase;
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, database, close } = await openTestDatabase({ forceSqlite: true }));
    await db.execute(sql`CREATE TABLE wal_rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`);
  });
  afterAll(async () => close?.());

  it('stays between the checkpoint size and that plus a transaction while three times as many pages are written', async () => {
    if (database.config.type !== 'sqlite') throw new Error('a SQLite test database was expected');
    const pageBytes = 4096;
    const perTransaction = 256; // rows of about one page each: about 1 MiB per transaction
    const transactions = Math.ceil((3 * WAL_CHECKPOINT_PAGES) / perTransaction);
    let id = 0;
    for (let t = 0; t < transactions; t++) {
      await db.transaction(async (tx) => {
        for (let i = 0; i < perTransaction; i++) await tx.execute(sql`INSERT INTO wal_rows (id, payload) VALUES (${++id}, ${'x'.repeat(3900)})`);
      });
    }
    const walBytes = statSync(`${database.config.path}-wal`).size;
    // Below the checkpoint size, the WAL was checkpointed sooner than asked; far above it, never reused.
    expect(walBytes).toBeGreaterThan(WAL_CHECKPOINT_PAGES * pageBytes * 0.9);
    expect(walBytes).toBeLessThan((WAL_CHECKPOINT_PAGES + 2 * perTransaction) * (pageBytes + 24) * 1.2);
  });
});
