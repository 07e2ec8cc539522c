import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { apiKeysTable, organizationsTable } from '../auth/tables';
import type { Database, Sql } from '../database/database';
import { sql } from '../database/database';
import { insertRows, Table } from '../database/table';
import { verifyAudit } from '../audit/audit-verify';
import { rebuildWithin } from '../projections';
import { chainHeadsTable, eventsTable } from '../event-store/tables';
import { EXPORT_FORMAT, ImportError, Line, parseLine } from './export-format';

/** Where each kind of line goes. */
const TABLE_OF: Partial<Record<Line['kind'], Table>> = {
  organization: organizationsTable,
  api_key: apiKeysTable,
  event: eventsTable,
  chain_head: chainHeadsTable,
};

/**
 * What an api_key line of an export made before keys had scopes and events
 * lacks: such a key imports as a write key without history (version 0),
 * whose creation the next start-up records. Keys with events are rebuilt
 * from them after the import.
 */
const API_KEY_DEFAULTS = { name: null, scope: 'write', expires_at: null, previous_key_hash: null, previous_key_expires_at: null, version: 0 };

async function insert(tx: Sql, line: Line): Promise<void> {
  const table = TABLE_OF[line.kind];
  if (!table) throw new ImportError(`unexpected line of kind ${JSON.stringify((line as { kind?: unknown }).kind)}`);
  const row = line.kind === 'api_key' ? { ...API_KEY_DEFAULTS, ...line } : line;
  for (const statement of insertRows(table, [row as unknown as Record<string, unknown>])) await tx.execute(statement);
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
 * The transaction is a session's, with the connection alone: on SQLite its
 * rebuild's scratch tables (every row of the export, the live tables being
 * empty) then go to temporary files, not to memory as a shared batch's would.
 */
export async function importData(
  db: Database,
  file: string,
  onProgress?: (bytesRead: number, fileSize: number) => void,
): Promise<ImportReport> {
  return db.session((session) => session.transaction(async (tx) => {
    const existing = await tx.query<{ n: number | string }>(
      sql`SELECT (SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM events) AS n`,
    );
    if (Number(existing[0].n) > 0) throw new ImportError('the target database is not empty; import needs a fresh database');
    const input = createReadStream(file, 'utf8');
    const size = statSync(file).size;
    const lines = createInterface({ input, crlfDelay: Infinity });
    const seen = { organizations: 0, api_keys: 0, events: 0, chain_heads: 0 };
    let header = false;
    let end: Extract<Line, { kind: 'end' }> | null = null;
    let number = 0;
    for await (const text of lines) {
      number++;
      onProgress?.(input.bytesRead, size);
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
    await tx.advanceSequence(eventsTable.name, 'position');
    // An export altered on its way, or whose events cannot be replayed, is refused before anything is
    // committed, so the import can be retried.
    const audit = await verifyAudit(tx, {});
    if (!audit.valid) {
      const first = audit.problems[0] ?? audit.organizations.find((o) => !o.valid)?.problem?.message;
      throw new ImportError(`the audit chain in the export does not verify: ${first}; nothing was imported`);
    }
    let rebuilt: Awaited<ReturnType<typeof rebuildWithin>>;
    try {
      rebuilt = await rebuildWithin(tx);
    } catch (error) {
      throw new ImportError(`the events in the export cannot be replayed: ${(error as Error).message}; nothing was imported`);
    }
    return { organizations: end.organizations, api_keys: end.api_keys, events: end.events, environments: rebuilt.environments, versions: rebuilt.versions };
  }));
}
