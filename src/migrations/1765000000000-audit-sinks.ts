import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit stream: one row per sink with its position in the
 * organization's hash chain, its failures and its delivery lease.
 */
export class AuditSinks1765000000000 implements MigrationInterface {
  name = 'AuditSinks1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    const pg = runner.connection.options.type === 'postgres';
    const id = pg ? 'text COLLATE "C"' : 'TEXT';
    const ts = pg ? 'timestamptz' : 'TEXT';
    await runner.query(`CREATE TABLE audit_sinks (
      id ${id} PRIMARY KEY,
      organization_id ${id} NOT NULL,
      type text NOT NULL,
      target text NOT NULL,
      secret text,
      batch_size integer NOT NULL,
      max_failures integer NOT NULL,
      created_at ${ts} NOT NULL,
      created_by text NOT NULL,
      position integer NOT NULL,
      generation integer NOT NULL,
      state text NOT NULL,
      failures integer NOT NULL,
      last_error text,
      last_delivered_at ${ts},
      next_attempt_at ${ts},
      lease_owner text,
      lease_expires_at ${ts}
    )`);
    // The listing (an organization's sinks, oldest first) and the deliverer's look-up of active sinks.
    await runner.query('CREATE INDEX audit_sinks_org_created ON audit_sinks (organization_id, created_at, id)');
    await runner.query(`CREATE INDEX audit_sinks_active ON audit_sinks (state, next_attempt_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE audit_sinks');
  }
}
