import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoped, named, expiring and rotatable API keys; the organization's change
 * freeze; where each change came from (client address and user agent); and
 * the histories of key changes and of freezes, projected from their events
 * like the environments' history.
 */
export class KeysFreezeSources1764600000000 implements MigrationInterface {
  name = 'KeysFreezeSources1764600000000';

  async up(runner: QueryRunner): Promise<void> {
    const pg = runner.connection.options.type === 'postgres';
    const id = pg ? 'text COLLATE "C"' : 'TEXT';
    const ts = pg ? 'timestamptz' : 'TEXT';
    const json = pg ? 'jsonb' : 'TEXT';
    // `subject`: the history's own stream key (a key's id); an organization's history is keyed by the organization.
    const history = (table: string, subject: string | null, snapshot: string) => [
      `CREATE TABLE ${table} (
        id ${id} PRIMARY KEY,
        event_position bigint NOT NULL,
        organization_id ${id} NOT NULL,
        ${subject ? `${subject} ${id} NOT NULL,` : ''}
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
        CONSTRAINT ${table}_subject_version_unique UNIQUE (${subject ?? 'organization_id'}, version)
      )`,
      `CREATE INDEX ${table}_org_created ON ${table} (organization_id, created_at DESC, event_position DESC)`,
    ];
    const statements = [
      'ALTER TABLE api_keys ADD COLUMN name text',
      `ALTER TABLE api_keys ADD COLUMN scope text NOT NULL DEFAULT 'write'`,
      `ALTER TABLE api_keys ADD COLUMN expires_at ${ts}`,
      // A rotated key's previous secret, accepted until previous_key_expires_at (the rotation's grace period).
      'ALTER TABLE api_keys ADD COLUMN previous_key_hash text',
      `ALTER TABLE api_keys ADD COLUMN previous_key_expires_at ${ts}`,
      // The key's stream version: 0 for keys created before keys had events (see KeyAdoption).
      'ALTER TABLE api_keys ADD COLUMN version integer NOT NULL DEFAULT 0',
      'CREATE INDEX api_keys_previous_key_hash ON api_keys (previous_key_hash) WHERE previous_key_hash IS NOT NULL',
      'CREATE INDEX api_keys_org_created ON api_keys (organization_id, created_at DESC, id DESC)',
      // When each key was last used: operational, written outside the event log (at most once a minute per key).
      `CREATE TABLE api_key_usage (
        api_key_id ${id} PRIMARY KEY,
        last_used_at ${ts} NOT NULL
      )`,
      // An organization's change freeze, a projection of its freeze events (no row: never frozen).
      `CREATE TABLE organization_freezes (
        organization_id ${id} PRIMARY KEY,
        creates integer NOT NULL,
        updates integer NOT NULL,
        reason text,
        frozen_at ${ts},
        version integer NOT NULL
      )`,
      'ALTER TABLE environment_versions ADD COLUMN ip_address text',
      'ALTER TABLE environment_versions ADD COLUMN user_agent text',
      ...history('api_key_versions', 'api_key_id', 'api_key'),
      ...history('organization_versions', null, 'organization'),
    ];
    for (const sql of statements) await runner.query(sql);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['organization_versions', 'organization_freezes', 'api_key_usage']) await runner.query(`DROP TABLE IF EXISTS ${table}`);
    await runner.query('DROP TABLE IF EXISTS api_key_versions');
    await runner.query('DROP INDEX IF EXISTS api_keys_previous_key_hash');
    await runner.query('DROP INDEX IF EXISTS api_keys_org_created');
    const drops: [string, string[]][] = [
      ['api_keys', ['name', 'scope', 'expires_at', 'previous_key_hash', 'previous_key_expires_at', 'version']],
      ['environment_versions', ['ip_address', 'user_agent']],
    ];
    for (const [table, columns] of drops) {
      for (const column of columns) await runner.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    }
  }
}
