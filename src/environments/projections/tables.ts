import { defineTable } from '../../database/table';

/** Current state, one row per live environment (`fold(evolve, events)` of its stream). */
export const environmentsTable = defineTable({
  name: 'environments',
  columns: {
    id: 'id',
    organization_id: 'id',
    name: 'text',
    description: 'text?',
    config: 'json',
    metadata: 'json',
    scope: 'text',
    version: 'integer',
    archived_at: 'timestamp?',
    created_at: 'timestamp',
    updated_at: 'timestamp',
  },
  primaryKey: 'id',
  unique: { environments_org_name_unique: ['organization_id', 'name'] },
});

/**
 * The audit history: one row per recorded change. `previous` is the
 * environment as it was before the change (null for a creation): a version's
 * own environment is the next version's `previous`, or the current row's for
 * the newest version, so each state is stored once.
 */
export const environmentVersionsTable = defineTable({
  name: 'environment_versions',
  columns: {
    id: 'id',
    event_position: 'bigint',
    organization_id: 'id',
    environment_id: 'id',
    version: 'integer',
    operation: 'text',
    created_at: 'timestamp',
    actor_type: 'text',
    api_key_id: 'id?',
    request_id: 'text?',
    changes: 'json',
    previous: 'json?',
    ip_address: 'text?',
    user_agent: 'text?',
  },
  // The entry's id is derived from its event and never looked up: the position keys it.
  primaryKey: 'event_position',
  unique: {
    environment_versions_env_version_unique: ['environment_id', 'version'],
  },
});

/** Where the projections write, by read-model key: the live tables, or scratch copies during a rebuild (see environment-family.ts). */
export type ProjectionTables = Readonly<Record<'environments' | 'versions', string>>;

export const LIVE_TABLES: ProjectionTables = { environments: environmentsTable.name, versions: environmentVersionsTable.name };
