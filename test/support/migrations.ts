import type { QueryRunner } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import type { TestApp } from './test-app';

/**
 * Runs migration steps on a TypeORM connection of their own to the test
 * app's database, while the app's writer is held idle: the app may write at
 * any moment (a key's last use, for one), and on SQLite such a write between
 * two steps would take the file's lock from them.
 */
export function runMigrationSteps(t: TestApp, steps: (runner: QueryRunner) => Promise<void>): Promise<void> {
  return t.db.session(async () => {
    const source = createDataSource(t.database.config);
    await source.initialize();
    const runner = source.createQueryRunner();
    try {
      await steps(runner);
    } finally {
      await runner.release();
      await source.destroy();
    }
  });
}
