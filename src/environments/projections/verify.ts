import { canonicalJson } from '../../event-store/canonical-json';
import { Database, Sql, sql } from '../../database/database';
import type { Table } from '../../database/table';
import { LOG_START } from '../../event-store/event-store';
import { BATCH, createScratchTables, dropScratchTables, projectLog } from './replay';
import { LIVE_TABLES, READ_MODEL_TABLES, ReadModelKey, SCRATCH_TABLES } from './tables';

export interface RowDifference {
  table: string;
  id: string;
  problem: 'missing from live table' | 'not derivable from the event log' | 'differs';
  columns?: string[];
}

export interface VerifyReport {
  events: number;
  rows_compared: number;
  differences: RowDifference[];
  /** True when more differences exist than are listed. */
  truncated: boolean;
}

function normalizeRow(key: ReadModelKey, row: Record<string, unknown>): string {
  return canonicalJson((READ_MODEL_TABLES[key] as Table).decode(row));
}

/** Walks two tables in id order side by side, in batches. */
async function compareTables(
  tx: Sql,
  key: ReadModelKey,
  differences: RowDifference[],
  max: number,
): Promise<{ compared: number; more: boolean }> {
  const live = LIVE_TABLES[key];
  const scratch = SCRATCH_TABLES[key];
  const columns = READ_MODEL_TABLES[key].columnList;
  const page = (table: string, after: string) =>
    tx.query<Record<string, unknown>>(sql`SELECT ${columns} FROM ${sql.raw(table)} WHERE id > ${after} ORDER BY id LIMIT ${BATCH}`);
  let liveRows = await page(live, '');
  let scratchRows = await page(scratch, '');
  let i = 0;
  let j = 0;
  let compared = 0;
  let more = false;
  const note = (difference: RowDifference) => {
    if (differences.length < max) differences.push(difference);
    else more = true;
  };
  for (;;) {
    if (i === liveRows.length && liveRows.length === BATCH) {
      liveRows = await page(live, String(liveRows[i - 1].id));
      i = 0;
    }
    if (j === scratchRows.length && scratchRows.length === BATCH) {
      scratchRows = await page(scratch, String(scratchRows[j - 1].id));
      j = 0;
    }
    const a = liveRows[i];
    const b = scratchRows[j];
    if (!a && !b) return { compared, more };
    compared++;
    const idA = a ? String(a.id) : null;
    const idB = b ? String(b.id) : null;
    if (idA !== null && (idB === null || idA < idB)) {
      note({ table: live, id: idA, problem: 'not derivable from the event log' });
      i++;
    } else if (idB !== null && (idA === null || idB < idA)) {
      note({ table: live, id: idB, problem: 'missing from live table' });
      j++;
    } else {
      const left = JSON.parse(normalizeRow(key, a)) as Record<string, unknown>;
      const right = JSON.parse(normalizeRow(key, b)) as Record<string, unknown>;
      const columnsDiffering = Object.keys(left).filter((c) => canonicalJson(left[c]) !== canonicalJson(right[c]));
      if (columnsDiffering.length) note({ table: live, id: idA!, problem: 'differs', columns: columnsDiffering });
      i++;
      j++;
    }
  }
}

/**
 * Rebuilds the projections into temporary tables from one consistent
 * snapshot of the log and compares them with the live tables of the same
 * snapshot. Changes nothing.
 */
export async function verifyProjections(db: Database, maxDifferences = 50): Promise<VerifyReport> {
  return db.session((session) =>
    session.transaction(async (tx) => {
      await createScratchTables(tx);
      const { events } = await projectLog(tx, LOG_START, { everythingVisible: true });
      const differences: RowDifference[] = [];
      let compared = 0;
      let truncated = false;
      for (const key of ['environments', 'versions'] as const) {
        const result = await compareTables(tx, key, differences, maxDifferences);
        compared += result.compared;
        truncated ||= result.more;
      }
      await dropScratchTables(tx);
      return { events, rows_compared: compared, differences, truncated };
    }, 'read'),
  );
}
