import { MigrationInterface, QueryRunner } from 'typeorm';

/** Audit-filter indexes whose first filter belongs to one organization: name, and columns before (created_at, event_position). */
const SCOPED: [string, string, string[]][] = [
  ['environment_versions_org_env_created', 'environment_versions_env_created', ['environment_id']],
  ['environment_versions_org_key_created', 'environment_versions_key_created', ['api_key_id']],
  ['environment_versions_org_key_op_created', 'environment_versions_key_op_created', ['api_key_id', 'operation']],
];

/**
 * The audit-filter indexes of an environment and of an API key without
 * `organization_id` in front: an environment and a key each belong to one
 * organization, so the column narrowed nothing and cost about 30 bytes in
 * every entry of three indexes. The queries still say which organization
 * they read (checked on the row they read anyway); their plans are the same
 * range scans (test/int/versions-query-plan.int.spec.ts).
 */
export class ScopedAuditIndexes1765300000000 implements MigrationInterface {
  name = 'ScopedAuditIndexes1765300000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const [before, after, filters] of SCOPED) {
      await runner.query(`DROP INDEX ${before}`);
      await runner.query(`CREATE INDEX ${after} ON environment_versions (${[...filters, 'created_at', 'event_position'].join(', ')})`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const [before, after, filters] of SCOPED) {
      await runner.query(`DROP INDEX ${after}`);
      await runner.query(`CREATE INDEX ${before} ON environment_versions (${['organization_id', ...filters, 'created_at', 'event_position'].join(', ')})`);
    }
  }
}
