import { Sql, sql, violatedUniqueConstraint } from '../database/database';
import { signals } from '../telemetry/signals';
import { chainHash, GENESIS_HASH } from './hash-chain';
import { EventMetadata, NewEvent, StoredEvent, StreamVersionConflict } from './stored-event';
import { chainHeadsTable, eventsTable } from './tables';

/** Every column but `position`, which the database assigns. */
const columns = eventsTable.columnNames.filter((column) => column !== 'position');

interface ChainHead {
  chain_seq: number;
  hash: string;
}

/**
 * Reads the organization's chain head, creating it on the first append. The
 * caller holds lockOrganizationLog already; the row lock (where the database
 * has row locks) and UNIQUE (organization_id, chain_seq) keep the chain
 * linear even for a writer that did not.
 */
async function lockChainHead(tx: Sql, organizationId: string): Promise<ChainHead> {
  const select = sql`SELECT chain_seq, hash FROM ${chainHeadsTable.ref} WHERE organization_id = ${organizationId}${sql.forUpdate}`;
  let rows = await tx.query<ChainHead>(select);
  if (!rows.length) {
    await tx.execute(
      sql`INSERT INTO ${chainHeadsTable.ref} (organization_id, chain_seq, hash, event_position)
          VALUES (${organizationId}, 0, ${GENESIS_HASH}, 0) ON CONFLICT (organization_id) DO NOTHING`,
    );
    rows = await tx.query<ChainHead>(select);
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
  const head = await lockChainHead(tx, organizationId);
  let version = expectedVersion;
  let position = 0;
  for (const { event_id, event } of events) {
    version += 1;
    const content = {
      chain_seq: head.chain_seq + 1,
      event_id,
      stream_id: streamId,
      stream_version: version,
      organization_id: organizationId,
      type: event.type,
      data: event.data,
      metadata,
      recorded_at: recordedAt,
    };
    const hash = chainHash(head.hash, content);
    const row = { ...content, prev_hash: head.hash, hash };
    let rows: { position: number | string }[];
    try {
      rows = await tx.query<{ position: number | string }>(
        sql`INSERT INTO ${eventsTable.ref} (${sql.identifiers(columns)})
            VALUES ${sql.tuple(eventsTable.valuesOf(row, columns))} RETURNING position`,
      );
    } catch (error) {
      const violated = violatedUniqueConstraint(error);
      if (violated === 'events_stream_version_unique' || violated === 'events_chain_seq_unique') {
        throw new StreamVersionConflict(streamId);
      }
      throw error;
    }
    position = Number(rows[0].position);
    head.chain_seq = content.chain_seq;
    head.hash = hash;
    stored.push({ position, event_id, stream_id: streamId, stream_version: version, event, metadata, recorded_at: recordedAt });
  }
  await tx.execute(
    sql`UPDATE ${chainHeadsTable.ref} SET chain_seq = ${head.chain_seq}, hash = ${head.hash}, event_position = ${position}
        WHERE organization_id = ${organizationId}`,
  );
  signals.eventsAppended(events);
  return stored;
}
