import { MigrationInterface, QueryRunner } from 'typeorm';

/** The keyset indexes of the environments' listing and history, by name: table, columns (newest-first order), partial condition. */
const INDEXES: [string, string, string[], string][] = [
  ['environments_org_created', 'environments', ['organization_id', 'created_at', 'id'], ''],
  ['environments_org_active_created', 'environments', ['organization_id', 'created_at', 'id'], ' WHERE archived_at IS NULL'],
  ...[
    ['org_created', []],
    ['org_env_created', ['environment_id']],
    ['org_op_created', ['operation']],
    ['org_key_created', ['api_key_id']],
    ['org_key_op_created', ['api_key_id', 'operation']],
  ].map(([name, filters]): [string, string, string[], string] => [
    `environment_versions_${name as string}`,
    'environment_versions',
    ['organization_id', ...(filters as string[]), 'created_at', 'event_position'],
    '',
  ]),
];

/**
 * The listing and history indexes in ascending order. Their keys grow with
 * time, so in descending order every new entry went to the left end of the
 * index, where a full page is split in two halves that stay half empty:
 * these indexes took about twice their entries' bytes. In ascending order a
 * new entry goes to the right end, where pages are filled before a new one
 * starts; the newest-first queries read the same indexes backwards (same
 * ranges, same order, no sort).
 */
export class AscendingListingIndexes1765100000000 implements MigrationInterface {
  name = 'AscendingListingIndexes1765100000000';

  async up(runner: QueryRunner): Promise<void> {
    await this.recreate(runner, '');
  }

  async down(runner: QueryRunner): Promise<void> {
    await this.recreate(runner, ' DESC');
  }

  private async recreate(runner: QueryRunner, order: string): Promise<void> {
    for (const [name, table, columns, where] of INDEXES) {
      const keyed = columns.map((column, i) => (i === 0 || columns.length - i > 2 ? column : `${column}${order}`));
      await runner.query(`DROP INDEX ${name}`);
      await runner.query(`CREATE INDEX ${name} ON ${table} (${keyed.join(', ')})${where}`);
    }
  }
}
