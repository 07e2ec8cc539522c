import { MigrationInterface, QueryRunner } from 'typeorm';
import { toEnvironmentState, type EnvironmentRow } from '../environments/projections/environment-row';
import { presentEnvironment } from '../environments/resources/environment.resource';

const BATCH = 1000;

/**
 * Each history entry stores the environment as it was before the change
 * (`previous`, null for a creation) instead of as it was after it
 * (`environment`). A version's environment is then the next version's
 * `previous`, or, for the newest version, the environment's current row: the
 * newest state was stored twice before, in its history entry and in the
 * current row, and is stored once now (about a third of a history entry for
 * an environment that was only created). Entries are still written once and
 * never updated; what the API answers is unchanged.
 */
export class HistoryStoresPrevious1765200000000 implements MigrationInterface {
  name = 'HistoryStoresPrevious1765200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE environment_versions ADD COLUMN previous ${this.json(runner)}`);
    await runner.query(
      `UPDATE environment_versions SET previous = (SELECT p.environment FROM environment_versions p
         WHERE p.environment_id = environment_versions.environment_id AND p.version = environment_versions.version - 1)
       WHERE version > 1`,
    );
    await runner.query('ALTER TABLE environment_versions DROP COLUMN environment');
  }

  async down(runner: QueryRunner): Promise<void> {
    const pg = runner.connection.options.type === 'postgres';
    const p = (n: number) => (pg ? `$${n}` : '?');
    await runner.query(`ALTER TABLE environment_versions ADD COLUMN environment ${this.json(runner)}`);
    await runner.query(
      `UPDATE environment_versions SET environment = (SELECT n.previous FROM environment_versions n
         WHERE n.environment_id = environment_versions.environment_id AND n.version = environment_versions.version + 1)`,
    );
    // The newest version of each live environment: its current row.
    let after = '';
    for (;;) {
      const rows: (EnvironmentRow & { version_id: string })[] = await runner.query(
        `SELECT v.id AS version_id, e.* FROM environment_versions v JOIN environments e ON e.id = v.environment_id AND e.version = v.version
         WHERE v.id > ${p(1)} ORDER BY v.id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        await runner.query(`UPDATE environment_versions SET environment = ${p(1)} WHERE id = ${p(2)}`, [
          JSON.stringify(presentEnvironment(toEnvironmentState(row))),
          row.version_id,
        ]);
      }
      after = rows[rows.length - 1].version_id;
    }
    await runner.query('ALTER TABLE environment_versions DROP COLUMN previous');
  }

  private json(runner: QueryRunner): string {
    return runner.connection.options.type === 'postgres' ? 'jsonb' : 'TEXT';
  }
}
