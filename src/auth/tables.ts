import { defineTable } from '../database/table';
import { historyColumns } from '../organizations/tables';

export { organizationsTable } from '../organizations/tables';

/**
 * API keys, a projection of each key's events (`version` counts them; 0 for
 * a key that predates key events until it is adopted at start-up). Only a
 * hash of each secret is stored.
 */
export const apiKeysTable = defineTable({
  name: 'api_keys',
  columns: {
    id: 'id',
    organization_id: 'id',
    key_hash: 'text',
    key_hint: 'text',
    created_at: 'timestamp',
    revoked_at: 'timestamp?',
    name: 'text?',
    scope: 'text',
    expires_at: 'timestamp?',
    previous_key_hash: 'text?',
    previous_key_expires_at: 'timestamp?',
    version: 'integer',
  },
  primaryKey: 'id',
  unique: { api_keys_key_hash_unique: ['key_hash'] },
});

/** When each key was last used: operational, written outside the event log, at most once a minute per key. */
export const apiKeyUsageTable = defineTable({
  name: 'api_key_usage',
  columns: { api_key_id: 'id', last_used_at: 'timestamp' },
  primaryKey: 'api_key_id',
});

/** Every change of every key: who created, rotated or revoked it, when, from where. */
export const apiKeyVersionsTable = defineTable({
  name: 'api_key_versions',
  columns: { ...historyColumns, api_key_id: 'id', api_key: 'json?' },
  primaryKey: 'id',
  unique: {
    api_key_versions_position_unique: ['event_position'],
    api_key_versions_subject_version_unique: ['api_key_id', 'version'],
  },
});
