import { defineTable } from '../database/table';

/**
 * An organization: its identity, and its change freeze (a projection of its
 * OrganizationFrozen / OrganizationUnfrozen events, `version` their count).
 */
export const organizationsTable = defineTable({
  name: 'organizations',
  columns: {
    id: 'id',
    name: 'text',
    created_at: 'timestamp',
    frozen_creates: 'integer',
    frozen_updates: 'integer',
    freeze_reason: 'text?',
    frozen_at: 'timestamp?',
    version: 'integer',
  },
  primaryKey: 'id',
  unique: { organizations_name_unique: ['name'] },
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
