import { jsonOf, timestampOf } from '../common/rows';
import { Sql, sql } from '../database/database';
import { chainHash, GENESIS_HASH } from '../event-store/hash-chain';
import { chainHeadsTable, eventsTable } from '../event-store/tables';

export type ChainProblemKind = 'altered' | 'removed' | 'inserted_or_reordered' | 'broken_link' | 'truncated' | 'head_altered';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** The first event at which the chain no longer verifies (null when events at the end are missing). */
  event_position: number | null;
  event_id: string | null;
  chain_seq: number | null;
  message: string;
}

export interface ChainHeadInfo {
  chain_seq: number;
  hash: string;
  event_position: number;
}

export interface ChainVerification {
  organization_id: string;
  valid: boolean;
  events_checked: number;
  /** The head recomputed from the events. */
  head: ChainHeadInfo | null;
  problem: ChainProblem | null;
  /** Hash recomputed at given sequence numbers, for checkpoint comparison. */
  hashes_at?: Map<number, string>;
}

interface ChainRow {
  position: number | string;
  event_id: string;
  stream_id: string;
  stream_version: number | string;
  organization_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: unknown;
  chain_seq: number | string;
  prev_hash: string;
  hash: string;
  /** The log's commit-order key (PostgreSQL: the appending transaction's id; SQLite: '0'), as text. */
  xid: string;
}

const BATCH = 1000;

/**
 * Recomputes one organization's hash chain from its events in log order and
 * names the first event where it breaks. Also compares the end of the chain
 * with the recorded chain head, which catches removal of the newest events
 * unless the head row was rewritten too (checkpoints catch that).
 */
export async function verifyOrganizationChain(
  db: Sql,
  organizationId: string,
  options: { collectHashesAt?: Set<number>; onBatch?: (eventsRead: number) => void } = {},
): Promise<ChainVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let lastPosition = 0;
  let checked = 0;
  let head: ChainHeadInfo | null = null;
  let lastEventId: string | null = null;
  const hashesAt = new Map<number, string>();
  const fail = (problem: ChainProblem): ChainVerification => ({
    organization_id: organizationId,
    valid: false,
    events_checked: checked,
    head,
    problem,
    hashes_at: hashesAt,
  });
  // Followers of the log (rebuilds, exports) read it in commit order, a key the hash cannot cover (on
  // PostgreSQL the transaction id); appends to one organization are serialized, so its keys never go down.
  let lastXid = 0n;
  for (;;) {
    const rows = await db.query<ChainRow>(
      sql`SELECT ${eventsTable.columnList}, ${sql.commitOrder} AS xid
          FROM ${eventsTable.ref} WHERE organization_id = ${organizationId} AND position > ${lastPosition}
          ORDER BY position LIMIT ${BATCH}`,
    );
    for (const row of rows) {
      const position = Number(row.position);
      const seq = Number(row.chain_seq);
      const where = { event_position: position, event_id: row.event_id, chain_seq: seq };
      const altered = { kind: 'altered' as const, ...where, message: `event ${row.event_id} at position ${position} was altered: its content no longer matches its hash` };
      let recomputed: string;
      try {
        recomputed = chainHash(row.prev_hash, {
          chain_seq: seq,
          event_id: row.event_id,
          stream_id: row.stream_id,
          stream_version: Number(row.stream_version),
          organization_id: row.organization_id,
          type: row.type,
          data: jsonOf(row.data),
          metadata: jsonOf(row.metadata),
          recorded_at: timestampOf(row.recorded_at),
        });
      } catch {
        // Content that no longer even decodes (JSON, timestamp) was altered too.
        return fail(altered);
      }
      if (recomputed !== row.hash) return fail(altered);
      const xid = BigInt(row.xid);
      if (xid < lastXid) {
        return fail({ kind: 'inserted_or_reordered', ...where, message: `event ${row.event_id} at position ${position} was moved in the log's commit order: its transaction id is older than its predecessor's` });
      }
      lastXid = xid;
      if (seq > expectedSeq) {
        const later = await db.query(sql`SELECT position FROM events WHERE organization_id = ${organizationId} AND chain_seq = ${expectedSeq}`);
        if (later.length) {
          return fail({ kind: 'inserted_or_reordered', ...where, message: `event ${row.event_id} at position ${position} is out of order: chain sequence ${seq} stands where ${expectedSeq} was expected (events were reordered)` });
        }
        return fail({ kind: 'removed', ...where, message: `${seq - expectedSeq} event(s) before ${row.event_id} (position ${position}) were removed: expected chain sequence ${expectedSeq}, found ${seq}` });
      }
      if (seq < expectedSeq) {
        return fail({ kind: 'inserted_or_reordered', ...where, message: `event ${row.event_id} at position ${position} is out of place: chain sequence ${seq} where ${expectedSeq} was expected (inserted or reordered)` });
      }
      if (row.prev_hash !== prevHash) {
        const predecessor = lastEventId === null ? 'the start of the chain' : `event ${lastEventId} before it`;
        return fail({ kind: 'broken_link', ...where, message: `event ${row.event_id} at position ${position} does not link to ${predecessor}: that one was altered with its hash recomputed, or this one was inserted` });
      }
      if (options.collectHashesAt?.has(seq)) hashesAt.set(seq, row.hash);
      prevHash = row.hash;
      expectedSeq = seq + 1;
      lastPosition = position;
      checked++;
      head = { chain_seq: seq, hash: row.hash, event_position: position };
      lastEventId = row.event_id;
    }
    options.onBatch?.(rows.length);
    if (rows.length < BATCH) break;
  }
  const recorded = await db.query<{ chain_seq: number | string; hash: string; event_position: number | string }>(
    sql`SELECT chain_seq, hash, event_position FROM ${chainHeadsTable.ref} WHERE organization_id = ${organizationId}`,
  );
  const recordedSeq = recorded.length ? Number(recorded[0].chain_seq) : 0;
  const endSeq = head?.chain_seq ?? 0;
  if (!recorded.length && head) {
    return fail({
      kind: 'head_altered',
      event_position: null,
      event_id: null,
      chain_seq: null,
      message: `the organization's recorded chain head is missing (its audit_chain_heads row was deleted); the chain itself verifies up to sequence ${endSeq}`,
    });
  }
  if (recordedSeq < endSeq) {
    const extra = await db.query<{ position: number | string; event_id: string }>(
      sql`SELECT position, event_id FROM events WHERE organization_id = ${organizationId} AND chain_seq = ${recordedSeq + 1}`,
    );
    const position = extra.length ? Number(extra[0].position) : null;
    const eventId = extra.length ? extra[0].event_id : null;
    return fail({
      kind: 'inserted_or_reordered',
      event_position: position,
      event_id: eventId,
      chain_seq: recordedSeq + 1,
      message: `event ${eventId} at position ${position} lies beyond the recorded chain head (sequence ${recordedSeq}): it was added outside the service`,
    });
  }
  if (recordedSeq > endSeq) {
    return fail({
      kind: 'truncated',
      event_position: null,
      event_id: null,
      chain_seq: recordedSeq,
      message: `the chain ends at sequence ${endSeq} but its recorded head is at ${recordedSeq}: the newest events were removed`,
    });
  }
  if (head && recorded[0].hash !== head.hash) {
    return fail({
      kind: 'altered',
      event_position: head.event_position,
      event_id: lastEventId,
      chain_seq: head.chain_seq,
      message: `event ${lastEventId} at position ${head.event_position}, the newest, was altered and its hash recomputed: it no longer matches the recorded chain head`,
    });
  }
  if (head && Number(recorded[0].event_position) !== head.event_position) {
    return fail({
      kind: 'head_altered',
      event_position: head.event_position,
      event_id: lastEventId,
      chain_seq: head.chain_seq,
      message: `the recorded chain head names position ${Number(recorded[0].event_position)}, but the chain's newest event ${lastEventId} is at position ${head.event_position}`,
    });
  }
  return { organization_id: organizationId, valid: true, events_checked: checked, head, problem: null, hashes_at: hashesAt };
}

/**
 * The organizations whose chains to verify. Without a name: every
 * organization that has events or a chain head, not only those still listed
 * in `organizations`, so deleting an organization's row cannot hide its
 * chain from verification. `name` is null for such an unlisted organization.
 */
export async function organizationIds(db: Sql, name?: string): Promise<{ id: string; name: string | null }[]> {
  if (name !== undefined) {
    return db.query<{ id: string; name: string }>(sql`SELECT id, name FROM organizations WHERE name = ${name}`);
  }
  const rows = await db.query<{ id: string; name: string | null }>(
    sql`SELECT ids.id, o.name
     FROM (SELECT DISTINCT organization_id AS id FROM events
           UNION SELECT organization_id FROM audit_chain_heads
           UNION SELECT id FROM organizations) ids
     LEFT JOIN organizations o ON o.id = ids.id`,
  );
  const key = (row: { id: string; name: string | null }) => [row.name === null ? 1 : 0, row.name ?? '', row.id] as const;
  return rows.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
  });
}
