import { MigrationInterface, QueryRunner } from 'typeorm';

const KEY = '(organization_id, created_at, id)';

/**
 * The listing's two indexes cover disjoint rows: the environments not
 * archived (as before) and, new, the archived ones. The index of every
 * environment they replace was a copy of the first while few are archived:
 * about 100 bytes per environment, and one more B-tree for each creation to
 * write. A listing that includes archived environments now merges the two
 * in order (environments.read-model.ts), still without sorting or scanning
 * (test/int/list-query-plan.int.spec.ts).
 */
export class DisjointListingIndexes1765500000000 implements MigrationInterface {
  name = 'DisjointListingIndexes1765500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX environments_org_archived_created ON environments ${KEY} WHERE archived_at IS NOT NULL`);
    await runner.query(`DROP INDEX environments_org_created`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX environments_org_created ON environments ${KEY}`);
    await runner.query(`DROP INDEX environments_org_archived_created`);
  }
}
