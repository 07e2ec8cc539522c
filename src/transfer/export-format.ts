import { isStorableInstant } from '../common/page-cursor';
import type { ChainedEventContent } from '../event-store/hash-chain';

/**
 * Moving an installation between databases (SQLite to PostgreSQL, or to a new
 * server): the export is NDJSON of everything that is not derived (the
 * organizations, the API keys as hashes, the event log with its hash chain
 * and the chain heads), bracketed by a header and an end line that carries
 * the counts, so a truncated file is refused. The read models are rebuilt
 * from the imported log.
 */
export const EXPORT_FORMAT = 1;

export type Line =
  | { kind: 'sandbase_export'; format: number; exported_at: string; source: string }
  | { kind: 'organization'; id: string; name: string; created_at: string }
  | { kind: 'api_key'; id: string; organization_id: string; key_hash: string; key_hint: string; created_at: string; revoked_at: string | null }
  | (ChainedEventContent & { kind: 'event'; position: number; prev_hash: string; hash: string })
  | { kind: 'chain_head'; organization_id: string; chain_seq: number; hash: string; event_position: number }
  | { kind: 'end'; organizations: number; api_keys: number; events: number; chain_heads: number };

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
export function parseLine(text: string, number: number): Line {
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

