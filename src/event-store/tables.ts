import { defineTable } from '../database/table';

/**
 * The append-only log. `position` is global and monotonic; on PostgreSQL
 * the migration adds `transaction_id` (the appending transaction's id, for
 * followers of the log, see Sql.followLog), which no code writes.
 */
export const eventsTable = defineTable({
  name: 'events',
  columns: {
    position: 'bigint',
    event_id: 'id',
    stream_id: 'id',
    stream_version: 'integer',
    organization_id: 'id',
    type: 'text',
    data: 'json',
    metadata: 'json',
    recorded_at: 'timestamp',
    chain_seq: 'integer',
    prev_hash: 'text',
    hash: 'text',
  },
  primaryKey: 'position',
  unique: {
    events_event_id_unique: ['event_id'],
    events_stream_version_unique: ['stream_id', 'stream_version'],
    events_chain_seq_unique: ['organization_id', 'chain_seq'],
  },
});

export type EventColumn = (typeof eventsTable.columnNames)[number];

/** The head of each organization's hash chain; appends lock this row, so the chain never forks. */
export const chainHeadsTable = defineTable({
  name: 'audit_chain_heads',
  columns: { organization_id: 'id', chain_seq: 'integer', hash: 'text', event_position: 'bigint' },
  primaryKey: 'organization_id',
});
