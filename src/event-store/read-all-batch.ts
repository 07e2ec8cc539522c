import { jsonOf, timestampOf } from '../common/rows';
import type { CommitPoint, Sql } from '../database/database';
import { sql } from '../database/database';
import type { EventMetadata, StoredEvent } from './stored-event';
import { eventsTable } from './tables';

/** Where a follower of the whole log stands (commit order: see Sql.followLog). */
export type LogCheckpoint = CommitPoint;

export const LOG_START: LogCheckpoint = { xid: '0', position: 0 };

interface EventRow {
  position: number | string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: unknown;
}

const COLUMN_NAMES = ['position', 'event_id', 'stream_id', 'stream_version', 'type', 'data', 'metadata', 'recorded_at'] as const;
const COLUMNS = sql.identifiers(COLUMN_NAMES);

function toStoredEvent<E extends { type: string; data: unknown }>(row: EventRow): StoredEvent<E> {
  return {
    position: Number(row.position),
    event_id: row.event_id,
    stream_id: row.stream_id,
    stream_version: Number(row.stream_version),
    event: { type: row.type, data: jsonOf(row.data) } as E,
    metadata: jsonOf<EventMetadata>(row.metadata),
    recorded_at: timestampOf(row.recorded_at),
  };
}

/**
 * One batch of the whole log after `after`, for followers (rebuilds,
 * exports), in commit order and only as far as no later commit can land
 * before it: a follower never skips an event whose transaction commits
 * after a later-numbered one.
 */
export async function readAllBatch<E extends { type: string; data: unknown }>(
  db: Sql,
  after: LogCheckpoint,
  limit: number,
  options: { everythingVisible?: boolean } = {},
): Promise<{ events: StoredEvent<E>[]; checkpoints: LogCheckpoint[] }> {
  const rows = await db.followLog<EventRow & Record<string, unknown>>({ table: eventsTable.name, columns: COLUMNS, after, limit, ...options });
  return {
    events: rows.map((row) => toStoredEvent<E>(row)),
    checkpoints: rows.map((row) => ({ xid: row.xid, position: Number(row.position) })),
  };
}

/**
 * One batch of the log after `after` (a position), in position order, read
 * as arrays (no object per row): for a follower of a database on which
 * position order is commit order and every row it sees is final (SQLite,
 * one writer at a time; see Sql.followLog), reading one snapshot.
 */
export async function readPositionBatch<E extends { type: string; data: unknown }>(db: Sql, after: number, limit: number): Promise<StoredEvent<E>[]> {
  const rows = await db.queryArrays(sql`SELECT ${COLUMNS} FROM ${eventsTable.ref} WHERE position > ${after} ORDER BY position LIMIT ${limit}`);
  return rows.map(([position, event_id, stream_id, stream_version, type, data, metadata, recorded_at]) =>
    toStoredEvent<E>({ position, event_id, stream_id, stream_version, type, data, metadata, recorded_at } as EventRow),
  );
}
