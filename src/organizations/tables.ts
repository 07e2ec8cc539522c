import { defineTable } from '../database/table';

/** An organization: a name for the operator; everything else hangs off its id. Not derived from events. */
export const organizationsTable = defineTable({
  name: 'organizations',
  columns: { id: 'id', name: 'text', created_at: 'timestamp' },
  primaryKey: 'id',
  unique: { organizations_name_unique: ['name'] },
});

/** An organization's change freeze, a projection of its freeze events (no row: never frozen). */
export const organizationFreezesTable = defineTable({
  name: 'organization_freezes',
  columns: { organization_id: 'id', creates: 'integer', updates: 'integer', reason: 'text?', frozen_at: 'timestamp?', version: 'integer' },
  primaryKey: 'organization_id',
});

/** The columns every history table shares (api_key_versions, organization_versions). */
export const historyColumns = {
  id: 'id',
  event_position: 'bigint',
  organization_id: 'id',
  version: 'integer',
  operation: 'text',
  created_at: 'timestamp',
  actor_type: 'text',
  actor_api_key_id: 'id?',
  request_id: 'text?',
  ip_address: 'text?',
  user_agent: 'text?',
  changes: 'json',
} as const;

/** Every freeze and unfreeze of an organization. */
export const organizationVersionsTable = defineTable({
  name: 'organization_versions',
  columns: { ...historyColumns, organization: 'json?' },
  primaryKey: 'id',
  unique: {
    organization_versions_position_unique: ['event_position'],
    organization_versions_subject_version_unique: ['organization_id', 'version'],
  },
});
