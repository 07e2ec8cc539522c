import { jsonOf, timestampOf } from '../common/rows';
import { Sql, sql } from '../database/database';
import { presentVersion, snapshotJoins, versionColumns, VersionRow } from '../environments/projections/environment-versions.read-model';
import { environmentVersionsTable } from '../environments/projections/tables';
import { eventsTable } from '../event-store/tables';
import type { ChainedEventContent } from '../event-store/hash-chain';

/** The event as the log holds it: exactly what its hash covers (with chain_seq), see docs/audit.md. */
export type AuditEvent = Omit<ChainedEventContent, 'chain_seq'>;

/**
 * One delivered record: the event, its place in the organization's hash
 * chain and its hash, so that a receiver can check the chain without the
 * database; for a change of an environment also the version as the audit
 * history and export show it. `id` (the event id) is what receivers
 * de-duplicate by.
 */
export interface AuditRecord {
  type: 'audit_record';
  id: string;
  organization_id: string;
  chain_seq: number;
  prev_hash: string;
  hash: string;
  event: AuditEvent;
  version: ReturnType<typeof presentVersion> | null;
}

const EVENT_COLUMNS = eventsTable.columnNames.map((column) => `e.${column}`).join(', ');
const VERSION_COLUMNS = versionColumns('v', 'v_');

type Row = Record<string, unknown>;

function versionOf(row: Row): VersionRow | null {
  if (row.v_id === null || row.v_id === undefined) return null;
  const prefixed = Object.entries(row).filter(([key]) => key.startsWith('v_'));
  return Object.fromEntries(prefixed.map(([key, value]) => [key.slice(2), value])) as unknown as VersionRow;
}

export function toAuditRecord(row: Row): AuditRecord {
  const version = versionOf(row);
  return {
    type: 'audit_record',
    id: String(row.event_id),
    organization_id: String(row.organization_id),
    chain_seq: Number(row.chain_seq),
    prev_hash: String(row.prev_hash),
    hash: String(row.hash),
    event: {
      event_id: String(row.event_id),
      stream_id: String(row.stream_id),
      stream_version: Number(row.stream_version),
      organization_id: String(row.organization_id),
      type: String(row.type),
      data: jsonOf(row.data),
      metadata: jsonOf(row.metadata),
      recorded_at: timestampOf(row.recorded_at),
    },
    version: version ? presentVersion(version) : null,
  };
}

/**
 * The organization's records after chain position `after`, in chain order.
 * Appends to one organization are serialized and commit in chain order, so
 * a reader that sees chain_seq n sees every sequence number below it: no
 * record is ever skipped (UNIQUE (organization_id, chain_seq) serves it).
 */
export async function readRecords(db: Sql, organizationId: string, after: number, limit: number): Promise<AuditRecord[]> {
  const rows = await db.query<Row>(
    sql`SELECT ${sql.raw(EVENT_COLUMNS)}, ${VERSION_COLUMNS}
        FROM ${eventsTable.ref} e LEFT JOIN ${environmentVersionsTable.ref} v ON v.event_position = e.position ${snapshotJoins('v')}
        WHERE e.organization_id = ${organizationId} AND e.chain_seq > ${after}
        ORDER BY e.chain_seq LIMIT ${limit}`,
  );
  return rows.map(toAuditRecord);
}

/** The organization's newest chain position (0 before its first event). */
export async function chainHead(db: Sql, organizationId: string): Promise<number> {
  const rows = await db.query<{ seq: number | string | null }>(
    sql`SELECT MAX(chain_seq) AS seq FROM ${eventsTable.ref} WHERE organization_id = ${organizationId}`,
  );
  return Number(rows[0]?.seq ?? 0);
}

/** When the record at chain position `seq` was recorded, or null if there is none. */
export async function recordedAtOf(db: Sql, organizationId: string, seq: number): Promise<string | null> {
  const rows = await db.query<{ recorded_at: unknown }>(
    sql`SELECT recorded_at FROM ${eventsTable.ref} WHERE organization_id = ${organizationId} AND chain_seq = ${seq}`,
  );
  return rows.length ? timestampOf(rows[0].recorded_at) : null;
}

/** The chain position of an event of the organization, by its id or its version id (`envver_<event id>`). */
export async function chainSeqOfEvent(db: Sql, organizationId: string, id: string): Promise<number | null> {
  const eventId = id.startsWith('envver_') ? id.slice('envver_'.length) : id;
  const rows = await db.query<{ chain_seq: number | string }>(
    sql`SELECT chain_seq FROM ${eventsTable.ref} WHERE event_id = ${eventId} AND organization_id = ${organizationId}`,
  );
  return rows.length ? Number(rows[0].chain_seq) : null;
}

/**
 * The first chain position recorded at or after `time`, or head + 1 when
 * none is. Times never go backwards along an organization's chain (its
 * appends take its lock, then the clock), so a binary search over the
 * chain's unique index finds it in a few look-ups.
 */
export async function firstChainSeqAt(db: Sql, organizationId: string, time: string): Promise<number> {
  let low = 1;
  let high = (await chainHead(db, organizationId)) + 1;
  const at = Date.parse(time);
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const recorded = await recordedAtOf(db, organizationId, middle);
    if (recorded !== null && Date.parse(recorded) >= at) high = middle;
    else low = middle + 1;
  }
  return low;
}
