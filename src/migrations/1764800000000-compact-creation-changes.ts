import { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonOf } from '../common/rows';
import { FieldChange, initialChanges } from '../environments/domain/changes';
import type { EnvironmentFields } from '../environments/domain/environment';
import { canonicalJson } from '../event-store/canonical-json';

const BATCH = 1000;

/**
 * A creation's entry in the environments' history stores no `changes`: they
 * are every field of the environment it created, which the entry stores
 * anyway, and are derived from it when read (the history's responses are
 * unchanged). About a third of an entry's bytes for an environment that was
 * only created. Existing entries are compacted only where the stored changes
 * equal the derived ones, so nothing a client reads changes; `down` writes
 * them back.
 */
export class CompactCreationChanges1764800000000 implements MigrationInterface {
  name = 'CompactCreationChanges1764800000000';

  async up(runner: QueryRunner): Promise<void> {
    await this.rewrite(runner, (stored, derived) => (stored !== '[]' && stored === canonicalJson(derived) ? '[]' : null));
  }

  async down(runner: QueryRunner): Promise<void> {
    await this.rewrite(runner, (stored, derived) => (stored === '[]' ? JSON.stringify(derived) : null));
  }

  /**
   * Pages through the creation entries in id order; `replace` gets an entry's
   * stored changes (canonical JSON) and the derived ones, and returns the
   * entry's new changes, or null to leave it as it is.
   */
  private async rewrite(runner: QueryRunner, replace: (stored: string, derived: FieldChange[]) => string | null): Promise<void> {
    const pg = runner.connection.options.type === 'postgres';
    const p = (n: number) => (pg ? `$${n}` : '?');
    let after = '';
    for (;;) {
      const rows: { id: string; changes: unknown; environment: unknown }[] = await runner.query(
        `SELECT id, changes, environment FROM environment_versions
         WHERE operation = 'created' AND environment IS NOT NULL AND id > ${p(1)} ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) return;
      const updates = new Map<string, string[]>();
      for (const row of rows) {
        const value = replace(canonicalJson(jsonOf(row.changes)), initialChanges(jsonOf<EnvironmentFields>(row.environment)));
        if (value !== null) updates.set(value, [...(updates.get(value) ?? []), row.id]);
      }
      for (const [value, ids] of updates) {
        await runner.query(
          `UPDATE environment_versions SET changes = ${p(1)} WHERE id IN (${ids.map((_, i) => p(i + 2)).join(', ')})`,
          [value, ...ids],
        );
      }
      after = rows[rows.length - 1].id;
    }
  }
}
