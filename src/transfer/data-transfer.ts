import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isStorableInstant } from '../common/page-cursor';
import { jsonOf, nullableTimestampOf, timestampOf } from '../common/rows';
import type { Database, Sql } from '../database/database';
import type { ChainedEventContent } from '../event-store/hash-chain';
import { verifyAudit } from '../audit/audit-verify';
import { rebuildWithin } from '../environments/projections/projection-rebuild';

/**
 * Moving an installation between databases (SQLite to PostgreSQL, or to a new
 * server): the export is NDJSON of everything that is not derived (the
 * organizations, the API keys as hashes, the event log with its hash chain
 * and the chain heads), bracketed by a header and an end line that carries
 * the counts, so a truncated file is refused. The read models are rebuilt
 * from the imported log.
 */
export const EXPORT_FORMAT = 1;
const BATCH = 1000;

type Line =
  | { kind: 'sandbase_export'; format: number; exported_at: string; source: string }
  | { kind: 'organization'; id: string; name: string; created_at: string }
  | { kind: 'api_key'; id: string; organization_id: string; key_hash: string; key_hint: string; created_at: string; revoked_at: string | null }
  | (ChainedEventContent & { kind: 'event'; position: number; prev_hash: string; hash: string })
  | { kind: 'chain_head'; organization_id: string; chain_seq: number; hash: string; event_position: number }
  | { kind: 'end'; organizations: number; api_keys: number; events: number; chain_heads: number };

export async function exportData(db: Database, now: string, write: (line: string) => Promise<void>): Promise<Extract<Line, { kind: 'end' }>> {
  const emit = (line: Line) => write(`${JSON.stringify(line)}\n`);
  return db.session((session) =>
    session.transaction(async (tx) => {
      await emit({ kind: 'sandbase_export', format: EXPORT_FORMAT, exported_at: now, source: tx.dialect });
      const end = { kind: 'end' as const, organizations: 0, api_keys: 0, events: 0, chain_heads: 0 };
      for (const row of await tx.query<Record<string, unknown>>('SELECT id, name, created_at FROM organizations ORDER BY id')) {
        await emit({ kind: 'organization', id: String(row.id), name: String(row.name), created_at: timestampOf(row.created_at) });
        end.organizations++;
      }
      for (const row of await tx.query<Record<string, unknown>>(
        'SELECT id, organization_id, key_hash, key_hint, created_at, revoked_at FROM api_keys ORDER BY id',
      )) {
        await emit({
          kind: 'api_key',
          id: String(row.id),
          organization_id: String(row.organization_id),
          key_hash: String(row.key_hash),
          key_hint: String(row.key_hint),
          created_at: timestampOf(row.created_at),
          revoked_at: nullableTimestampOf(row.revoked_at),
        });
        end.api_keys++;
      }
      let after = 0;
      for (;;) {
        const rows = await tx.query<Record<string, unknown>>(
          `SELECT position, event_id, stream_id, stream_version, organization_id, type, data, metadata, recorded_at,
                  chain_seq, prev_hash, hash
           FROM events WHERE position > ? ORDER BY position LIMIT ?`,
          [after, BATCH],
        );
        for (const row of rows) {
          await emit({
            kind: 'event',
            position: Number(row.position),
            event_id: String(row.event_id),
            stream_id: String(row.stream_id),
            stream_version: Number(row.stream_version),
            organization_id: String(row.organization_id),
            type: String(row.type),
            data: jsonOf(row.data),
            metadata: jsonOf(row.metadata),
            recorded_at: timestampOf(row.recorded_at),
            chain_seq: Number(row.chain_seq),
            prev_hash: String(row.prev_hash),
            hash: String(row.hash),
          });
          end.events++;
        }
        if (rows.length < BATCH) break;
        after = Number(rows[rows.length - 1].position);
      }
      for (const row of await tx.query<Record<string, unknown>>(
        'SELECT organization_id, chain_seq, hash, event_position FROM audit_chain_heads ORDER BY organization_id',
      )) {
        await emit({
          kind: 'chain_head',
          organization_id: String(row.organization_id),
          chain_seq: Number(row.chain_seq),
          hash: String(row.hash),
          event_position: Number(row.event_position),
        });
        end.chain_heads++;
      }
      await emit(end);
      return end;
    }, 'read'),
  );
}

export class ImportError extends Error {}

type FieldType = 'string' | 'string?' | 'int' | 'object' | 'timestamp' | 'timestamp?';
/** The fields each kind of line must carry, so a damaged line is named rather than half-inserted. */
const LINE_FIELDS: Record<Line['kind'], Record<string, FieldType>> = {
  sandbase_export: { format: 'int', exported_at: 'timestamp', source: 'string' },
  organization: { id: 'string', name: 'string', created_at: 'timestamp' },
  api_key: {
    id: 'string',
    organization_id: 'string',
    key_hash: 'string',
    key_hint: 'string',
    created_at: 'timestamp',
    revoked_at: 'timestamp?',
  },
  event: {
    position: 'int',
    event_id: 'string',
    stream_id: 'string',
    stream_version: 'int',
    organization_id: 'string',
    type: 'string',
    data: 'object',
    metadata: 'object',
    recorded_at: 'timestamp',
    chain_seq: 'int',
    prev_hash: 'string',
    hash: 'string',
  },
  chain_head: { organization_id: 'string', chain_seq: 'int', hash: 'string', event_position: 'int' },
  end: { organizations: 'int', api_keys: 'int', events: 'int', chain_heads: 'int' },
};

const FIELD_PROBLEM: Record<FieldType, (value: unknown) => string | null> = {
  string: (value) => (typeof value === 'string' ? null : 'must be a string'),
  'string?': (value) => (value === null || typeof value === 'string' ? null : 'must be a string or null'),
  int: (value) => (Number.isSafeInteger(value) && (value as number) >= 0 ? null : 'must be a whole number'),
  object: (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? null : 'must be a JSON object'),
  timestamp: (value) => (isExportedInstant(value) ? null : 'must be a timestamp such as 2026-05-29T10:00:00.000Z'),
  'timestamp?': (value) => (value === null || isExportedInstant(value) ? null : 'must be a timestamp such as 2026-05-29T10:00:00.000Z, or null'),
};

/** Exports write instants as toISOString does; anything else did not come from an export. */
function isExportedInstant(value: unknown): boolean {
  return typeof value === 'string' && isStorableInstant(value) && new Date(value).toISOString() === value;
}

/** Parses one line of an export, or throws an ImportError that names the line and what is wrong with it. */
function parseLine(text: string, number: number): Line {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ImportError(`line ${number} is not JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ImportError(`line ${number} is not a JSON object`);
  }
  const record = parsed as Record<string, unknown>;
  const kind = record.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(LINE_FIELDS, kind)) {
    throw new ImportError(`line ${number} has an unknown kind ${JSON.stringify(kind)}`);
  }
  for (const [field, type] of Object.entries(LINE_FIELDS[kind as Line['kind']])) {
    const problem = FIELD_PROBLEM[type](record[field]);
    if (problem) throw new ImportError(`line ${number} (${kind}): ${field} ${problem}`);
  }
  return record as unknown as Line;
}

async function insert(tx: Sql, line: Line): Promise<void> {
  switch (line.kind) {
    case 'organization':
      await tx.execute('INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)', [line.id, line.name, line.created_at]);
      return;
    case 'api_key':
      await tx.execute(
        'INSERT INTO api_keys (id, organization_id, key_hash, key_hint, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
        [line.id, line.organization_id, line.key_hash, line.key_hint, line.created_at, line.revoked_at],
      );
      return;
    case 'event':
      await tx.execute(
        `INSERT INTO events (position, event_id, stream_id, stream_version, organization_id, type, data, metadata,
           recorded_at, chain_seq, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          line.position,
          line.event_id,
          line.stream_id,
          line.stream_version,
          line.organization_id,
          line.type,
          JSON.stringify(line.data),
          JSON.stringify(line.metadata),
          line.recorded_at,
          line.chain_seq,
          line.prev_hash,
          line.hash,
        ],
      );
      return;
    case 'chain_head':
      await tx.execute('INSERT INTO audit_chain_heads (organization_id, chain_seq, hash, event_position) VALUES (?, ?, ?, ?)', [
        line.organization_id,
        line.chain_seq,
        line.hash,
        line.event_position,
      ]);
      return;
    default:
      throw new ImportError(`unexpected line of kind ${JSON.stringify((line as { kind?: unknown }).kind)}`);
  }
}

/** What an import loaded and rebuilt. */
export interface ImportReport {
  organizations: number;
  api_keys: number;
  events: number;
  environments: number;
  versions: number;
}

/**
 * Imports an export into an empty database in one transaction, read models
 * rebuilt from its log included: all of it or nothing, and nothing unless the
 * audit chain it carries verifies and its events replay. Returns the counts.
 */
export async function importData(db: Database, file: string): Promise<ImportReport> {
  return db.transaction(async (tx) => {
    const existing = await tx.query<{ n: number | string }>(
      'SELECT (SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM events) AS n',
    );
    if (Number(existing[0].n) > 0) throw new ImportError('the target database is not empty; import needs a fresh database');
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    const seen = { organizations: 0, api_keys: 0, events: 0, chain_heads: 0 };
    let header = false;
    let end: Extract<Line, { kind: 'end' }> | null = null;
    let number = 0;
    for await (const text of lines) {
      number++;
      if (text.trim() === '') continue;
      if (end) throw new ImportError(`line ${number}: data after the end line`);
      const line = parseLine(text, number);
      if (!header) {
        if (line.kind !== 'sandbase_export' || line.format !== EXPORT_FORMAT) {
          throw new ImportError(`line 1 is not a Sandbase export header of format ${EXPORT_FORMAT}`);
        }
        header = true;
        continue;
      }
      if (line.kind === 'end') {
        end = line;
        continue;
      }
      try {
        await insert(tx, line);
      } catch (error) {
        throw new ImportError(`line ${number} (${line.kind}): ${(error as Error).message}`);
      }
      if (line.kind === 'organization') seen.organizations++;
      else if (line.kind === 'api_key') seen.api_keys++;
      else if (line.kind === 'event') seen.events++;
      else if (line.kind === 'chain_head') seen.chain_heads++;
    }
    if (!end) throw new ImportError('the export has no end line: it is truncated');
    for (const key of ['organizations', 'api_keys', 'events', 'chain_heads'] as const) {
      if (end[key] !== seen[key]) throw new ImportError(`the export announces ${end[key]} ${key} but holds ${seen[key]}`);
    }
    if (tx.dialect === 'postgres') {
      await tx.query(
        "SELECT setval(pg_get_serial_sequence('events', 'position'), GREATEST((SELECT MAX(position) FROM events), 1))",
      );
    }
    // An export altered on its way, or whose events cannot be replayed, is refused before anything is
    // committed, so the import can be retried.
    const audit = await verifyAudit(tx, {});
    if (!audit.valid) {
      const first = audit.problems[0] ?? audit.organizations.find((o) => !o.valid)?.problem?.message;
      throw new ImportError(`the audit chain in the export does not verify: ${first}; nothing was imported`);
    }
    let rebuilt: { environments: number; versions: number };
    try {
      rebuilt = await rebuildWithin(tx);
    } catch (error) {
      throw new ImportError(`the events in the export cannot be replayed: ${(error as Error).message}; nothing was imported`);
    }
    return { organizations: end.organizations, api_keys: end.api_keys, events: end.events, ...rebuilt };
  });
}
