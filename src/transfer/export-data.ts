import type { Database } from '../database/database';
import { sql } from '../database/database';
import type { Table } from '../database/table';
import { apiKeysTable, organizationsTable } from '../auth/tables';
import { chainHeadsTable, eventsTable } from '../event-store/tables';
import { EXPORT_FORMAT, Line } from './export-format';

const BATCH = 1000;

/** Every row of `table` in `order`, decoded alike on both databases. */
function all(table: Table, order: string) {
  return sql`SELECT ${table.columnList} FROM ${table.ref} ORDER BY ${sql.raw(order)}`;
}

/** Called as the export goes: rows written so far, of how many in the snapshot. */
export type OnProgress = (done: number, total: number) => void;

/** Writes everything that is not derived, from one consistent snapshot (see export-format.ts). */
export async function exportData(
  db: Database,
  now: string,
  write: (line: string) => Promise<void>,
  onProgress?: OnProgress,
): Promise<Extract<Line, { kind: 'end' }>> {
  let total = 0;
  let done = 0;
  const emit = async (line: Line) => {
    await write(`${JSON.stringify(line)}\n`);
    if (line.kind !== 'sandbase_export' && line.kind !== 'end') onProgress?.(++done, total);
  };
  return db.session((session) =>
    session.transaction(async (tx) => {
      if (onProgress) {
        const [counts] = await tx.query<{ n: number | string }>(
          sql`SELECT (SELECT COUNT(*) FROM ${organizationsTable.ref}) + (SELECT COUNT(*) FROM ${apiKeysTable.ref})
                   + (SELECT COUNT(*) FROM ${eventsTable.ref}) + (SELECT COUNT(*) FROM ${chainHeadsTable.ref}) AS n`,
        );
        total = Number(counts.n);
      }
      await emit({ kind: 'sandbase_export', format: EXPORT_FORMAT, exported_at: now, source: db.label });
      const end = { kind: 'end' as const, organizations: 0, api_keys: 0, events: 0, chain_heads: 0 };
      for (const row of await tx.query(all(organizationsTable, 'id'))) {
        await emit({ kind: 'organization', ...organizationsTable.decode(row) } as Line);
        end.organizations++;
      }
      for (const row of await tx.query(all(apiKeysTable, 'id'))) {
        await emit({ kind: 'api_key', ...apiKeysTable.decode(row) } as Line);
        end.api_keys++;
      }
      let after = 0;
      for (;;) {
        const rows = await tx.query(
          sql`SELECT ${eventsTable.columnList} FROM ${eventsTable.ref} WHERE position > ${after} ORDER BY position LIMIT ${BATCH}`,
        );
        for (const row of rows) {
          await emit({ kind: 'event', ...eventsTable.decode(row) } as Line);
          end.events++;
        }
        if (rows.length < BATCH) break;
        after = Number(rows[rows.length - 1].position);
      }
      for (const row of await tx.query(all(chainHeadsTable, 'organization_id'))) {
        await emit({ kind: 'chain_head', ...chainHeadsTable.decode(row) } as Line);
        end.chain_heads++;
      }
      await emit(end);
      return end;
    }, 'read'),
  );
}
