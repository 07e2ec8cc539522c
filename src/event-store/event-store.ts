import type { Sql } from '../database/database';
import { violatedUniqueConstraint } from '../database/database';
import { jsonOf, timestampOf } from '../common/rows';

/** Who caused an event: an API key, or an operator at the admin CLI. */
export type Actor = { type: 'api_actor'; api_key_id: string } | { type: 'cli_actor'; name: string };

export interface EventMetadata {
  organization_id: string;
  actor: Actor;
  request_id: string | null;
  schema_version: number;
}

export interface NewEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> {
  event_id: string;
  event: E;
}

export interface StoredEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> {
  position: number;
  event_id: string;
  stream_id: string;
  stream_version: number;
  event: E;
  metadata: EventMetadata;
  recorded_at: string;
}

/** Another writer appended to the stream first (the unique (stream, version) guard fired). */
export class StreamVersionConflict extends Error {
  constructor(readonly streamId: string) {
    super(`Concurrent append to stream ${streamId}`);
  }
}

/**
 * Appends events to a stream at `expectedVersion + 1, + 2, ...` inside the
 * caller's transaction. UNIQUE(stream_id, stream_version) makes a second
 * writer that read the same version fail instead of forking the stream.
 */
export async function appendToStream<E extends { type: string; data: unknown }>(
  tx: Sql,
  streamId: string,
  expectedVersion: number,
  events: readonly NewEvent<E>[],
  metadata: EventMetadata,
  recordedAt: string,
): Promise<StoredEvent<E>[]> {
  const stored: StoredEvent<E>[] = [];
  const metadataJson = JSON.stringify(metadata);
  let version = expectedVersion;
  for (const { event_id, event } of events) {
    version += 1;
    let rows: { position: number | string }[];
    try {
      rows = await tx.query<{ position: number | string }>(
        `INSERT INTO events (event_id, stream_id, stream_version, organization_id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING position`,
        [event_id, streamId, version, metadata.organization_id, event.type, JSON.stringify(event.data), metadataJson, recordedAt],
      );
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'events_stream_version_unique') throw new StreamVersionConflict(streamId);
      throw error;
    }
    stored.push({
      position: Number(rows[0].position),
      event_id,
      stream_id: streamId,
      stream_version: version,
      event,
      metadata,
      recorded_at: recordedAt,
    });
  }
  return stored;
}

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

const EVENT_COLUMNS = 'position, event_id, stream_id, stream_version, type, data, metadata, recorded_at';

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

export async function readStream<E extends { type: string; data: unknown }>(
  sql: Sql,
  streamId: string,
): Promise<StoredEvent<E>[]> {
  const rows = await sql.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? ORDER BY stream_version`,
    [streamId],
  );
  return rows.map((row) => toStoredEvent<E>(row));
}

/** One batch of the whole log in position order, after `afterPosition`. */
export async function readAllBatch<E extends { type: string; data: unknown }>(
  sql: Sql,
  afterPosition: number,
  limit: number,
): Promise<StoredEvent<E>[]> {
  const rows = await sql.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    [afterPosition, limit],
  );
  return rows.map((row) => toStoredEvent<E>(row));
}
