import type { Sql } from '../database/database';
import { violatedUniqueConstraint } from '../database/database';
import { jsonOf, timestampOf } from '../common/rows';
import { chainHash, GENESIS_HASH } from './hash-chain';

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

/** Another writer appended to the stream (or the organization's chain) first; the unique guards fired. */
export class StreamVersionConflict extends Error {
  constructor(readonly streamId: string) {
    super(`Concurrent append to stream ${streamId}`);
  }
}

interface ChainHead {
  chain_seq: number;
  hash: string;
}

/**
 * Reads the organization's chain head, creating it on the first append. The
 * caller holds lockOrganizationLog already; the row lock on PostgreSQL (and
 * UNIQUE (organization_id, chain_seq)) keep the chain linear even for a
 * writer that did not.
 */
async function lockChainHead(tx: Sql, organizationId: string): Promise<ChainHead> {
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const select = `SELECT chain_seq, hash FROM audit_chain_heads WHERE organization_id = ?${lock}`;
  let rows = await tx.query<ChainHead>(select, [organizationId]);
  if (!rows.length) {
    await tx.execute(
      `INSERT INTO audit_chain_heads (organization_id, chain_seq, hash, event_position) VALUES (?, 0, ?, 0)
       ON CONFLICT (organization_id) DO NOTHING`,
      [organizationId, GENESIS_HASH],
    );
    rows = await tx.query<ChainHead>(select, [organizationId]);
  }
  return { chain_seq: Number(rows[0].chain_seq), hash: rows[0].hash };
}

/**
 * Appends events to a stream at `expectedVersion + 1, + 2, ...` inside the
 * caller's transaction (which has taken lockOrganizationLog), each chained to
 * the organization's previous event. UNIQUE(stream_id, stream_version) makes
 * a second writer that read the same version fail instead of forking the
 * stream.
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
  const organizationId = metadata.organization_id;
  const metadataJson = JSON.stringify(metadata);
  const head = await lockChainHead(tx, organizationId);
  let version = expectedVersion;
  let position = 0;
  for (const { event_id, event } of events) {
    version += 1;
    const chainSeq = head.chain_seq + 1;
    const prevHash = head.hash;
    const hash = chainHash(prevHash, {
      chain_seq: chainSeq,
      event_id,
      stream_id: streamId,
      stream_version: version,
      organization_id: organizationId,
      type: event.type,
      data: event.data,
      metadata,
      recorded_at: recordedAt,
    });
    let rows: { position: number | string }[];
    try {
      rows = await tx.query<{ position: number | string }>(
        `INSERT INTO events (event_id, stream_id, stream_version, organization_id, type, data, metadata, recorded_at,
           chain_seq, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING position`,
        [
          event_id,
          streamId,
          version,
          organizationId,
          event.type,
          JSON.stringify(event.data),
          metadataJson,
          recordedAt,
          chainSeq,
          prevHash,
          hash,
        ],
      );
    } catch (error) {
      const violated = violatedUniqueConstraint(error);
      if (violated === 'events_stream_version_unique' || violated === 'events_chain_seq_unique') {
        throw new StreamVersionConflict(streamId);
      }
      throw error;
    }
    position = Number(rows[0].position);
    head.chain_seq = chainSeq;
    head.hash = hash;
    stored.push({
      position,
      event_id,
      stream_id: streamId,
      stream_version: version,
      event,
      metadata,
      recorded_at: recordedAt,
    });
  }
  await tx.execute('UPDATE audit_chain_heads SET chain_seq = ?, hash = ?, event_position = ? WHERE organization_id = ?', [
    head.chain_seq,
    head.hash,
    position,
    organizationId,
  ]);
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

/**
 * Where a follower of the whole log stands. On PostgreSQL the log is followed
 * in (transaction id, position) order; on SQLite in position order (`xid` is 0).
 */
export interface LogCheckpoint {
  xid: string;
  position: number;
}

export const LOG_START: LogCheckpoint = { xid: '0', position: 0 };

/**
 * One batch of the whole log after `after`, for followers (rebuilds, exports).
 *
 * On PostgreSQL positions come from a sequence, so a transaction can commit
 * position 11 while position 10 is still in flight; a follower that took 11
 * and moved on would skip 10 forever. Instead the log is read in transaction
 * id order and only up to the oldest transaction still running
 * (`pg_snapshot_xmin`): every event below that mark is final, and every
 * event written later has a larger transaction id. Appends to one
 * organization take its log lock before their first write (see
 * lockOrganizationLog), so within an organization, and so within a stream,
 * transaction id order is the append order. SQLite commits one writer at a
 * time, so position order is already final there.
 */
export async function readAllBatch<E extends { type: string; data: unknown }>(
  sql: Sql,
  after: LogCheckpoint,
  limit: number,
  options: { everythingVisible?: boolean } = {},
): Promise<{ events: StoredEvent<E>[]; checkpoints: LogCheckpoint[] }> {
  if (sql.dialect === 'sqlite') {
    const rows = await sql.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      [after.position, limit],
    );
    const events = rows.map((row) => toStoredEvent<E>(row));
    return { events, checkpoints: events.map((event) => ({ xid: '0', position: event.position })) };
  }
  // `everythingVisible`: the caller reads one snapshot, or holds a lock that no appender is inside.
  const horizon = options.everythingVisible ? '' : ' AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
  const rows = await sql.query<EventRow & { xid: string }>(
    `SELECT ${EVENT_COLUMNS}, transaction_id::text AS xid FROM events
     WHERE (transaction_id, position) > (?::xid8, ?)${horizon}
     ORDER BY transaction_id, position LIMIT ?`,
    [after.xid, after.position, limit],
  );
  return {
    events: rows.map((row) => toStoredEvent<E>(row)),
    checkpoints: rows.map((row) => ({ xid: row.xid, position: Number(row.position) })),
  };
}

/**
 * Serializes appends within one organization (its hash chain must not fork)
 * before the transaction writes anything: a transaction-scoped advisory lock
 * on PostgreSQL, which, unlike a row lock, assigns no transaction id while it
 * waits. SQLite write transactions are serialized already. Returns the time
 * of the organization's last event, so the caller can keep time monotonic
 * within the organization even across processes with skewed clocks.
 */
export async function lockOrganizationLog(tx: Sql, organizationId: string): Promise<{ lastRecordedAt: string | null }> {
  if (tx.dialect === 'postgres') {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`sandbase:log:${organizationId}`]);
  }
  const rows = await tx.query<{ recorded_at: unknown }>(
    'SELECT recorded_at FROM events WHERE organization_id = ? ORDER BY chain_seq DESC LIMIT 1',
    [organizationId],
  );
  return { lastRecordedAt: rows.length ? timestampOf(rows[0].recorded_at) : null };
}
