import { Sql, sql } from '../database/database';
import { readPositionBatch } from '../event-store/read-all-batch';
import { familyModels, ProjectionFamily, ReadModel } from '../event-store/projection-family';
import { FAMILIES } from './families';
import { BATCH, ProgressState, reportProgress, sharesOf, StreamStates } from './replay';

type Row = Record<string, unknown>;

/** A value as a statement binds it and the database hands it back: booleans are numbers, undefined is NULL. */
function bound(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : (value ?? null);
}

/**
 * True when a live row holds exactly the values a derived row would be
 * written with: the same text, numbers and NULLs column by column, as the
 * swap's `IS NOT DISTINCT FROM` compares a scratch row with a live one on
 * SQLite (JSON compared as the text written, not as what it means).
 */
function holds(live: unknown[], values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (live[i] !== bound(values[i])) return false;
  return true;
}

/** A live read model compared with the rows a replay derives: the keys of its live rows to delete (the scratch table holds the rows to insert). */
export interface Comparison {
  readonly model: ReadModel;
  readonly stale: unknown[];
}

/**
 * A current-state table compared with the final states of a replay, when
 * they are all in memory (else null: they are in the scratch table, swapped
 * in by SQL): the live rows with no equal derived row are stale, the derived
 * rows with no equal live row go to the scratch table. A table with rows not
 * derived from the log (notDerived) is left to the SQL swap as well.
 */
async function compareStates(tx: Sql, family: ProjectionFamily, states: StreamStates): Promise<Comparison | null> {
  const model = familyModels(family).state;
  const all = states.allStates();
  if (all === null || model.notDerived) return null;
  const { table, scratch } = model;
  const pk = sql.raw(table.primaryKey);
  const key = table.columnNames.indexOf(table.primaryKey);
  const rowOf = (state: unknown) => table.valuesOf(family.stateRow(state));
  const held = new Set<unknown>();
  const stale: unknown[] = [];
  for (let after: unknown[] | undefined; ; ) {
    const from = after ? sql` WHERE ${pk} > ${after[key]}` : sql.empty;
    const page = await tx.queryArrays(sql`SELECT ${table.columnList} FROM ${table.ref}${from} ORDER BY ${pk} LIMIT ${BATCH}`);
    for (const live of page) {
      const state = all.get(live[key] as string);
      if (state !== undefined && state !== null && holds(live, rowOf(state))) held.add(live[key]);
      else stale.push(live[key]);
    }
    if (page.length < BATCH) break;
    after = page[page.length - 1];
  }
  const missing: unknown[][] = [];
  for (const [id, state] of all) {
    if (state !== null && !held.has(id)) missing.push(rowOf(state));
    if (missing.length === BATCH) await tx.insertMany(scratch, table.columnNames, missing.splice(0));
  }
  await tx.insertMany(scratch, table.columnNames, missing);
  return { model, stale };
}

/**
 * One history table (insertOnly: one row per event, unique `event_position`)
 * walked in `event_position` order beside the rows a replay derives, a range
 * of positions at a time: a derived row the live table holds as is costs no
 * write; one it lacks or holds otherwise goes to the scratch table, to be
 * inserted, and the live rows that are not derived rows (edited, stray, or
 * at a position no event of the family has) are noted, to be deleted.
 */
export class HistoryComparison implements Comparison {
  /** Primary keys of live rows to delete. */
  readonly stale: unknown[] = [];
  private after = Number.MIN_SAFE_INTEGER;

  constructor(readonly model: ReadModel) {}

  /** Compares the live rows at positions after the last range and up to `upTo` with `derived`, in position order, all in that range. */
  async compare(tx: Sql, derived: readonly Row[], upTo: number): Promise<void> {
    const { table, scratch } = this.model;
    const key = table.columnNames.indexOf(table.primaryKey);
    const at = table.columnNames.indexOf('event_position');
    const live = await tx.queryArrays(
      sql`SELECT ${table.columnList} FROM ${table.ref} WHERE event_position > ${this.after} AND event_position <= ${upTo} ORDER BY event_position`,
    );
    this.after = upTo;
    const missing: unknown[][] = [];
    let i = 0;
    for (const row of derived) {
      const position = row.event_position as number;
      while (i < live.length && Number(live[i][at]) < position) this.stale.push(live[i++][key]);
      const match = i < live.length && Number(live[i][at]) === position ? live[i++] : undefined;
      const values = table.valuesOf(row);
      if (match && holds(match, values)) continue;
      if (match) this.stale.push(match[key]);
      missing.push(values);
    }
    while (i < live.length) this.stale.push(live[i++][key]);
    await tx.insertMany(scratch, table.columnNames, missing);
  }
}

/** What a compared replay leaves for the swap: how many events, and the tables compared in process (the others' scratch tables hold every derived row). */
export interface ComparedReplay {
  events: number;
  comparisons: Comparison[];
}

/**
 * Events read from the log per batch by a compared replay. Half the plain
 * replay's BATCH: the batch's events, their evolved states and the live
 * history rows compared with them are all in memory at once, and smaller
 * batches kept the rebuild's peak lower and its instruction count lower too
 * (BENCHMARKS.md, "What each change bought"); 250 and 100 were no better
 * than 500.
 */
export const COMPARED_BATCH = 500;

/**
 * Replays the whole log in position order (SQLite's commit order): each
 * family's states in memory, written to its scratch state table only as they
 * leave the cache or at the end, and each history row compared with the live
 * history table instead of written, so the scratch history tables hold only
 * the rows that differ. The live tables must not change meanwhile: the caller
 * reads one snapshot, or holds the write lock.
 */
export async function replayCompared(tx: Sql, progress?: ProgressState): Promise<ComparedReplay> {
  const states = new Map<ProjectionFamily, StreamStates>(FAMILIES.map((family) => [family, new StreamStates(family, true)]));
  const histories = new Map<ProjectionFamily, HistoryComparison>(FAMILIES.map((family) => [family, new HistoryComparison(familyModels(family).history)]));
  let position = 0;
  let count = 0;
  for (;;) {
    const batch = await readPositionBatch(tx, position, COMPARED_BATCH);
    if (batch.length === 0) break;
    position = batch[batch.length - 1].position;
    const shares = sharesOf(batch);
    for (const family of FAMILIES) {
      const share = shares.get(family);
      const evolved = share ? await states.get(family)!.evolve(tx, share) : [];
      await histories.get(family)!.compare(tx, family.historyRows(evolved), position);
    }
    count += batch.length;
    await reportProgress(progress, count);
  }
  const comparisons: Comparison[] = [];
  for (const family of FAMILIES) {
    const history = histories.get(family)!;
    await history.compare(tx, [], Number.MAX_SAFE_INTEGER);
    comparisons.push(history);
    const compared = await compareStates(tx, family, states.get(family)!);
    if (compared) comparisons.push(compared);
    else await states.get(family)!.flush(tx);
  }
  return { events: count, comparisons };
}
