import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organizations and API keys, the append-only event log, and the two read
 * models (current state, audit history). Written per database so that each
 * gets its natural types: TEXT timestamps in fixed-width RFC 3339 on SQLite
 * (they sort chronologically), timestamptz and jsonb on PostgreSQL, and ids
 * compared bytewise (COLLATE "C") on PostgreSQL as on SQLite.
 */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(runner: QueryRunner): Promise<void> {
    const pg = runner.connection.options.type === 'postgres';
    const id = pg ? 'text COLLATE "C"' : 'TEXT';
    const ts = pg ? 'timestamptz' : 'TEXT';
    const json = pg ? 'jsonb' : 'TEXT';
    const statements = [
      `CREATE TABLE organizations (
        id ${id} PRIMARY KEY,
        name text NOT NULL,
        created_at ${ts} NOT NULL,
        CONSTRAINT organizations_name_unique UNIQUE (name)
      )`,
      `CREATE TABLE api_keys (
        id ${id} PRIMARY KEY,
        organization_id ${id} NOT NULL REFERENCES organizations (id),
        key_hash text NOT NULL,
        key_hint text NOT NULL,
        created_at ${ts} NOT NULL,
        revoked_at ${ts},
        CONSTRAINT api_keys_key_hash_unique UNIQUE (key_hash)
      )`,
      `CREATE TABLE events (
        position ${pg ? 'bigserial' : 'INTEGER'} PRIMARY KEY${pg ? '' : ' AUTOINCREMENT'},
        event_id ${id} NOT NULL,
        stream_id ${id} NOT NULL,
        stream_version integer NOT NULL,
        organization_id ${id} NOT NULL,
        type text NOT NULL,
        data ${json} NOT NULL,
        metadata ${json} NOT NULL,
        recorded_at ${ts} NOT NULL,
        chain_seq integer NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        ${pg ? 'transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),' : ''}
        CONSTRAINT events_event_id_unique UNIQUE (event_id),
        CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version),
        CONSTRAINT events_chain_seq_unique UNIQUE (organization_id, chain_seq)
      )`,
      ...(pg ? ['CREATE INDEX events_transaction_position ON events (transaction_id, position)'] : []),
      // The head of each organization's hash chain; appends lock this row, so the chain never forks.
      `CREATE TABLE audit_chain_heads (
        organization_id ${id} PRIMARY KEY,
        chain_seq integer NOT NULL,
        hash text NOT NULL,
        event_position bigint NOT NULL
      )`,
      `CREATE TABLE environments (
        id ${id} PRIMARY KEY,
        organization_id ${id} NOT NULL,
        name text NOT NULL,
        description text,
        config ${json} NOT NULL,
        metadata ${json} NOT NULL,
        scope text NOT NULL,
        version integer NOT NULL,
        archived_at ${ts},
        created_at ${ts} NOT NULL,
        updated_at ${ts} NOT NULL
      )`,
      `CREATE UNIQUE INDEX environments_org_name_unique ON environments (organization_id, name)`,
      // Keyset listing, newest first: one index with and one without archived environments.
      `CREATE INDEX environments_org_created ON environments (organization_id, created_at DESC, id DESC)`,
      `CREATE INDEX environments_org_active_created ON environments (organization_id, created_at DESC, id DESC)
        WHERE archived_at IS NULL`,
      `CREATE TABLE environment_versions (
        id ${id} PRIMARY KEY,
        event_position bigint NOT NULL,
        organization_id ${id} NOT NULL,
        environment_id ${id} NOT NULL,
        version integer NOT NULL,
        operation text NOT NULL,
        created_at ${ts} NOT NULL,
        actor_type text NOT NULL,
        api_key_id ${id},
        request_id text,
        changes ${json} NOT NULL,
        environment ${json},
        CONSTRAINT environment_versions_position_unique UNIQUE (event_position),
        CONSTRAINT environment_versions_env_version_unique UNIQUE (environment_id, version)
      )`,
      // The audit filters: every combination is served by one of these (see docs/audit.md).
      ...[
        ['org_created', ''],
        ['org_env_created', 'environment_id, '],
        ['org_op_created', 'operation, '],
        ['org_key_created', 'api_key_id, '],
        ['org_key_op_created', 'api_key_id, operation, '],
      ].map(
        ([name, columns]) =>
          `CREATE INDEX environment_versions_${name} ON environment_versions
             (organization_id, ${columns}created_at DESC, event_position DESC)`,
      ),
      // Export of every organization's history in time order.
      `CREATE INDEX environment_versions_created ON environment_versions (created_at, event_position)`,
    ];
    for (const sql of statements) await runner.query(sql);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['environment_versions', 'environments', 'audit_chain_heads', 'events', 'api_keys', 'organizations']) {
      await runner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
