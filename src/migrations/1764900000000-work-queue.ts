import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self-hosted environments: environment keys and the work queue. Work items
 * and environment keys are projections of their streams' events, with a
 * history each; leases and recent pollers are operational rows outside the
 * log.
 */
export class WorkQueue1764900000000 implements MigrationInterface {
  name = 'WorkQueue1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    const pg = runner.connection.options.type === 'postgres';
    const id = pg ? 'text COLLATE "C"' : 'TEXT';
    const ts = pg ? 'timestamptz' : 'TEXT';
    const json = pg ? 'jsonb' : 'TEXT';
    const history = (table: string, subject: string, extra: string, snapshot: string) => [
      `CREATE TABLE ${table} (
        id ${id} PRIMARY KEY,
        event_position bigint NOT NULL,
        organization_id ${id} NOT NULL,
        ${subject} ${id} NOT NULL,
        ${extra}
        version integer NOT NULL,
        operation text NOT NULL,
        created_at ${ts} NOT NULL,
        actor_type text NOT NULL,
        actor_api_key_id ${id},
        request_id text,
        ip_address text,
        user_agent text,
        changes ${json} NOT NULL,
        ${snapshot} ${json},
        CONSTRAINT ${table}_position_unique UNIQUE (event_position),
        CONSTRAINT ${table}_subject_version_unique UNIQUE (${subject}, version)
      )`,
      `CREATE INDEX ${table}_org_created ON ${table} (organization_id, created_at DESC, event_position DESC)`,
    ];
    const statements = [
      `CREATE TABLE work_items (
        id ${id} PRIMARY KEY,
        organization_id ${id} NOT NULL,
        environment_id ${id} NOT NULL,
        state text NOT NULL,
        data_type text NOT NULL,
        data_id text NOT NULL,
        metadata ${json} NOT NULL,
        created_at ${ts} NOT NULL,
        claimed_at ${ts},
        claimed_by text,
        secret_hash text,
        acknowledged_at ${ts},
        started_at ${ts},
        stop_requested_at ${ts},
        stopped_at ${ts},
        stop_reason text,
        version integer NOT NULL
      )`,
      // The queue: an environment's queued items, oldest first.
      `CREATE INDEX work_items_queue ON work_items (environment_id, created_at, id) WHERE state = 'queued'`,
      // The listing: an environment's items, newest first.
      'CREATE INDEX work_items_env_created ON work_items (environment_id, created_at DESC, id DESC)',
      'CREATE INDEX work_items_secret ON work_items (secret_hash) WHERE secret_hash IS NOT NULL',
      // The lease sweep: acknowledged items not yet stopped.
      `CREATE INDEX work_items_running ON work_items (created_at) WHERE state IN ('starting', 'active', 'stopping')`,
      ...history('work_versions', 'work_id', `environment_id ${id} NOT NULL, actor_id ${id},`, 'work'),
      'CREATE INDEX work_versions_work ON work_versions (work_id, created_at DESC, event_position DESC)',
      `CREATE TABLE work_leases (
        work_id ${id} PRIMARY KEY,
        organization_id ${id} NOT NULL,
        last_heartbeat text,
        ttl_seconds integer NOT NULL,
        lease_expires_at ${ts} NOT NULL
      )`,
      'CREATE INDEX work_leases_expiry ON work_leases (lease_expires_at)',
      `CREATE TABLE work_pollers (
        id text PRIMARY KEY,
        environment_id ${id} NOT NULL,
        worker_id text NOT NULL,
        last_polled_at ${ts} NOT NULL
      )`,
      'CREATE INDEX work_pollers_env ON work_pollers (environment_id, last_polled_at)',
      `CREATE TABLE environment_keys (
        id ${id} PRIMARY KEY,
        organization_id ${id} NOT NULL,
        environment_id ${id} NOT NULL,
        name text,
        key_hash text NOT NULL,
        key_hint text NOT NULL,
        created_at ${ts} NOT NULL,
        revoked_at ${ts},
        version integer NOT NULL,
        CONSTRAINT environment_keys_key_hash_unique UNIQUE (key_hash)
      )`,
      'CREATE INDEX environment_keys_env ON environment_keys (environment_id, created_at DESC, id DESC)',
      ...history('environment_key_versions', 'environment_key_id', `environment_id ${id} NOT NULL,`, 'environment_key'),
    ];
    for (const statement of statements) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['environment_key_versions', 'environment_keys', 'work_pollers', 'work_leases', 'work_versions', 'work_items']) {
      await runner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
