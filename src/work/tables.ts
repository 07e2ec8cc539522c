import { defineTable } from '../database/table';
import { historyColumns } from '../organizations/tables';

/** Work items, a projection of each item's events (current state, the queue's index). */
export const workItemsTable = defineTable({
  name: 'work_items',
  columns: {
    id: 'id',
    organization_id: 'id',
    environment_id: 'id',
    state: 'text',
    data_type: 'text',
    data_id: 'text',
    metadata: 'json',
    created_at: 'timestamp',
    claimed_at: 'timestamp?',
    claimed_by: 'text?',
    secret_hash: 'text?',
    acknowledged_at: 'timestamp?',
    started_at: 'timestamp?',
    stop_requested_at: 'timestamp?',
    stopped_at: 'timestamp?',
    stop_reason: 'text?',
    version: 'integer',
  },
  primaryKey: 'id',
});

/** Every state change of every work item, with who made it. */
export const workVersionsTable = defineTable({
  name: 'work_versions',
  columns: { ...historyColumns, actor_id: 'id?', work_id: 'id', environment_id: 'id', work: 'json?' },
  primaryKey: 'id',
  unique: {
    work_versions_position_unique: ['event_position'],
    work_versions_subject_version_unique: ['work_id', 'version'],
  },
});

/**
 * The lease of each acknowledged item: the last accepted heartbeat, its TTL
 * and when it runs out. Operational state outside the event log (a
 * heartbeat that only extends a lease is not an event), written by a
 * compare-and-set on `last_heartbeat`; see docs/self-hosted-work.md.
 */
export const workLeasesTable = defineTable({
  name: 'work_leases',
  columns: { work_id: 'id', organization_id: 'id', last_heartbeat: 'text?', ttl_seconds: 'integer', lease_expires_at: 'timestamp' },
  primaryKey: 'work_id',
});

/** Which worker ids polled an environment lately (for `workers_polling`); operational, outside the log. */
export const workPollersTable = defineTable({
  name: 'work_pollers',
  columns: { id: 'text', environment_id: 'id', worker_id: 'text', last_polled_at: 'timestamp' },
  primaryKey: 'id',
});

/** Environment keys, a projection of each key's events. Only a hash of each secret is stored. */
export const environmentKeysTable = defineTable({
  name: 'environment_keys',
  columns: {
    id: 'id',
    organization_id: 'id',
    environment_id: 'id',
    name: 'text?',
    key_hash: 'text',
    key_hint: 'text',
    created_at: 'timestamp',
    revoked_at: 'timestamp?',
    version: 'integer',
  },
  primaryKey: 'id',
  unique: { environment_keys_key_hash_unique: ['key_hash'] },
});

/** Every creation and revocation of an environment key. */
export const environmentKeyVersionsTable = defineTable({
  name: 'environment_key_versions',
  columns: { ...historyColumns, environment_key_id: 'id', environment_id: 'id', environment_key: 'json?' },
  primaryKey: 'id',
  unique: {
    environment_key_versions_position_unique: ['event_position'],
    environment_key_versions_subject_version_unique: ['environment_key_id', 'version'],
  },
});
