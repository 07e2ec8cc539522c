import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The answers to POSTs sent with an Idempotency-Key, kept for replay (24
 * hours by default): one row per API key and Idempotency-Key, `running`
 * while the first request runs, `completed` with its status and body once it
 * answered.
 */
export class IdempotencyRecords1764700000000 implements MigrationInterface {
  name = 'IdempotencyRecords1764700000000';

  async up(runner: QueryRunner): Promise<void> {
    const pg = runner.connection.options.type === 'postgres';
    const id = pg ? 'text COLLATE "C"' : 'TEXT';
    const ts = pg ? 'timestamptz' : 'TEXT';
    await runner.query(`CREATE TABLE idempotency_records (
      record_key ${id} PRIMARY KEY,
      api_key_id ${id} NOT NULL,
      idempotency_key text NOT NULL,
      request_hash text NOT NULL,
      state text NOT NULL,
      claim_token text NOT NULL,
      status integer,
      response text,
      claimed_at ${ts} NOT NULL,
      expires_at ${ts} NOT NULL
    )`);
    await runner.query('CREATE INDEX idempotency_records_expires ON idempotency_records (expires_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE idempotency_records');
  }
}
