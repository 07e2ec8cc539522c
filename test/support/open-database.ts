import { Database } from '../../src/database/database';
import { createTestDatabase, TestDatabase } from './database';

/** A migrated, empty database for integration tests of stores and projections (no HTTP); `forceSqlite` for tests of SQLite's own settings. */
export async function openTestDatabase(
  options: { forceSqlite?: boolean } = {},
): Promise<{ db: Database; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase(options);
  const db = await Database.open(database.config, { migrate: true });
  return {
    db,
    database,
    close: async () => {
      await db.close();
      await database.drop();
    },
  };
}
