import { Database, Sql, sql } from '../database/database';
import { canonicalJson } from '../event-store/canonical-json';
import { LOG_START } from '../event-store/event-store';
import type { ReadModel } from '../event-store/projection-family';
import { readModels } from './families';
import { BATCH, countEvents, createScratchTables, dropScratchTables, keyScratchTables, projectLog, ReplayOptions } from './replay';

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

/**
 * Walks a live table and its rebuilt copy in primary-key order side by side,
 * in batches. A difference names the row by its `id` column (for a history
 * keyed by its event's position, the entry's id), else by its key.
 */
async function compareTables(
  tx: Sql,
  { table, scratch, notDerived }: ReadModel,
  differences: RowDifference[],
  max: number,
): Promise<{ compared: number; more: boolean }> {
  const key = sql.raw(table.primaryKey);
  const numeric = ['integer', 'bigint'].includes(table.kindOf(table.primaryKey));
  const page = (name: string, after: string | number) => {
    const derivedOnly = name === table.name && notDerived ? sql` AND NOT (${notDerived})` : sql.empty;
    return tx.query<Record<string, unknown>>(
      sql`SELECT ${table.columnList} FROM ${sql.raw(name)} WHERE ${key} > ${after}${derivedOnly} ORDER BY ${key} LIMIT ${BATCH}`,
    );
  };
  const keyOf = (row: Record<string, unknown>) => (numeric ? Number(row[table.primaryKey]) : String(row[table.primaryKey]));
  const named = (row: Record<string, unknown>) => String(row.id ?? row[table.primaryKey]);
  const start = numeric ? Number.MIN_SAFE_INTEGER : '';
  let liveRows = await page(table.name, start);
  let scratchRows = await page(scratch, start);
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
      liveRows = await page(table.name, keyOf(liveRows[i - 1]));
      i = 0;
    }
    if (j === scratchRows.length && scratchRows.length === BATCH) {
      scratchRows = await page(scratch, keyOf(scratchRows[j - 1]));
      j = 0;
    }
    const a = liveRows[i];
    const b = scratchRows[j];
    if (!a && !b) return { compared, more };
    compared++;
    const keyA = a ? keyOf(a) : null;
    const keyB = b ? keyOf(b) : null;
    if (keyA !== null && (keyB === null || keyA < keyB)) {
      note({ table: table.name, id: named(a), problem: 'not derivable from the event log' });
      i++;
    } else if (keyB !== null && (keyA === null || keyB < keyA)) {
      note({ table: table.name, id: named(b), problem: 'missing from live table' });
      j++;
    } else {
      const left = table.decode(a) as Record<string, unknown>;
      const right = table.decode(b) as Record<string, unknown>;
      const columnsDiffering = Object.keys(left).filter((c) => canonicalJson(left[c]) !== canonicalJson(right[c]));
      if (columnsDiffering.length) note({ table: table.name, id: named(a), problem: 'differs', columns: columnsDiffering });
      i++;
      j++;
    }
  }
}

/**
 * Rebuilds every projection into temporary tables from one consistent
 * snapshot of the log and compares them with the live tables of the same
 * snapshot. Changes nothing.
 */
export async function verifyProjections(db: Database, maxDifferences = 50, options: ReplayOptions = {}): Promise<VerifyReport> {
  const { onProgress } = options;
  return db.session((session) =>
    session.transaction(async (tx) => {
      await createScratchTables(tx);
      const progress = onProgress && { onProgress, done: 0, total: await countEvents(tx) };
      const { events } = await projectLog(tx, LOG_START, { everythingVisible: true, progress });
      await keyScratchTables(tx);
      await onProgress?.(events, events);
      const differences: RowDifference[] = [];
      let compared = 0;
      let truncated = false;
      for (const model of readModels()) {
        const result = await compareTables(tx, model, differences, maxDifferences);
        compared += result.compared;
        truncated ||= result.more;
      }
      await dropScratchTables(tx);
      return { events, rows_compared: compared, differences, truncated };
    }, 'read'),
  );
}
