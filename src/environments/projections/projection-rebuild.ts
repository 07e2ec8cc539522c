import { QueryFailedError } from 'typeorm';
import { canonicalJson } from '../../event-store/canonical-json';
import { jsonOf, nullableTimestampOf, timestampOf } from '../../common/rows';
import type { Database, Session, Sql } from '../../database/database';
import { LOG_START, LogCheckpoint, readAllBatch, StoredEvent } from '../../event-store/event-store';
import { DeciderState, evolve } from '../domain/decider';
import { ENVIRONMENT_EVENT_TYPES, type EnvironmentEvent } from '../domain/events';
import { VERSION_ROW_COLUMNS, versionRowValues } from './environment-versions.projection';
import { ENVIRONMENT_ROW_COLUMNS, environmentRowValues } from './environments.projection';
import { toEnvironmentState } from './environments.read-model';
import { LIVE_TABLES, ProjectionTables } from './projection-tables';

const SCRATCH: ProjectionTables = { environments: 'rebuild_environments', versions: 'rebuild_environment_versions' };
const BATCH = 1000;

/** Columns of each read model, and how to compare them across databases. */
const TABLE_COLUMNS = {
  environments: {
    columns: ['id', 'organization_id', 'name', 'description', 'config', 'metadata', 'scope', 'version', 'archived_at', 'created_at', 'updated_at'],
    json: ['config', 'metadata'],
    timestamps: ['archived_at', 'created_at', 'updated_at'],
    numbers: ['version'],
  },
  versions: {
    columns: ['id', 'event_position', 'organization_id', 'environment_id', 'version', 'operation', 'created_at', 'actor_type', 'api_key_id', 'request_id', 'changes', 'environment'],
    json: ['changes', 'environment'],
    timestamps: ['created_at'],
    numbers: ['event_position', 'version'],
  },
} as const;
type TableKey = keyof typeof TABLE_COLUMNS;

export interface RebuildReport {
  events: number;
  environments: number;
  versions: number;
  seconds: number;
}

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

/** Temporary scratch copies of the read-model tables, with the same columns, constraints and indexes. */
async function createScratchTables(sql: Sql): Promise<void> {
  for (const key of ['environments', 'versions'] as const) {
    const live = LIVE_TABLES[key];
    const scratch = SCRATCH[key];
    await sql.execute(`DROP TABLE IF EXISTS ${scratch}`);
    if (sql.dialect === 'postgres') {
      await sql.execute(`CREATE TEMPORARY TABLE ${scratch} (LIKE ${live} INCLUDING ALL)`);
      continue;
    }
    const ddl = await sql.query<{ type: string; sql: string }>(
      `SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC`,
      [live],
    );
    for (const { type, sql: statement } of ddl) {
      const rewritten =
        type === 'table'
          ? statement.replace(/^CREATE TABLE \S+/, `CREATE TEMPORARY TABLE ${scratch}`)
          : statement.replace(
              /^CREATE (UNIQUE )?INDEX (\S+) ON \S+/,
              (_m, unique: string | undefined, name: string) => `CREATE ${unique ?? ''}INDEX temp.${scratch}_${name} ON ${scratch}`,
            );
      await sql.execute(rewritten);
    }
  }
}

async function loadState(sql: Sql, environmentId: string): Promise<DeciderState> {
  const rows = await sql.query<Parameters<typeof toEnvironmentState>[0]>(
    `SELECT * FROM ${SCRATCH.environments} WHERE id = ?`,
    [environmentId],
  );
  return rows.length ? toEnvironmentState(rows[0]) : null;
}

/** States of recently replayed environments, so a stream's next event needs no read-back. */
const STATE_CACHE_LIMIT = 10_000;
/** Rows per multi-row INSERT: 12 columns x 250 stays far below both databases' limits on bound parameters. */
const ROWS_PER_INSERT = 250;

async function insertRows(sql: Sql, table: string, columns: string, rows: unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const tuple = `(${chunk[0].map(() => '?').join(', ')})`;
    await sql.execute(`INSERT INTO ${table} (${columns}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}

/**
 * Writes what one batch of events did to the scratch tables with a few
 * multi-row statements (a round trip per event made PostgreSQL rebuilds
 * slow): every version row, and the final state of each environment the
 * batch touched (its old row deleted, the new one inserted unless deleted).
 */
async function writeBatch(sql: Sql, touched: Map<string, DeciderState>, versionRows: unknown[][]): Promise<void> {
  const ids = [...touched.keys()];
  for (let start = 0; start < ids.length; start += ROWS_PER_INSERT) {
    const chunk = ids.slice(start, start + ROWS_PER_INSERT);
    await sql.execute(`DELETE FROM ${SCRATCH.environments} WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk);
  }
  const live = [...touched.values()].filter((state): state is NonNullable<DeciderState> => state !== null);
  await insertRows(sql, SCRATCH.environments, ENVIRONMENT_ROW_COLUMNS, live.map(environmentRowValues));
  await insertRows(sql, SCRATCH.versions, VERSION_ROW_COLUMNS, versionRows);
}

export class LogReplayError extends Error {}

/**
 * A replay must see each stream's events in version order: version 1 creates
 * the environment and each later event follows the version before it. A log
 * that reads otherwise (rows edited in the database) is refused rather than
 * projected into a wrong history.
 */
function checkStreamOrder(stored: StoredEvent<EnvironmentEvent>, before: DeciderState): void {
  if (!ENVIRONMENT_EVENT_TYPES.includes(stored.event.type)) {
    throw new LogReplayError(`event ${stored.event_id} (position ${stored.position}) has an unknown type ${JSON.stringify(stored.event.type)}`);
  }
  const expected = stored.event.type === 'EnvironmentCreated' ? 1 : before ? before.version + 1 : null;
  if (expected !== null && stored.stream_version === expected) return;
  const what = expected === null ? 'an environment that does not exist at that point' : `version ${expected}`;
  throw new LogReplayError(
    `the event log is out of order: event ${stored.event_id} (position ${stored.position}) is version ${stored.stream_version} ` +
      `of ${stored.event.data.environment_id}, but the replay expected ${what}; run audit verify`,
  );
}

/** Projects log events after `from` into the scratch tables, a batch at a time; returns where it stopped. */
async function projectLog(
  sql: Sql,
  from: LogCheckpoint,
  options: { everythingVisible: boolean },
): Promise<{ checkpoint: LogCheckpoint; events: number }> {
  let checkpoint = from;
  let count = 0;
  const states = new Map<string, DeciderState>();
  for (;;) {
    const batch = await readAllBatch<EnvironmentEvent>(sql, checkpoint, BATCH, options);
    if (batch.events.length === 0) return { checkpoint, events: count };
    const touched = new Map<string, DeciderState>();
    const versionRows: unknown[][] = [];
    for (const stored of batch.events as StoredEvent<EnvironmentEvent>[]) {
      try {
        const id = stored.event.data.environment_id;
        if (typeof id !== 'string') throw new Error('it names no environment');
        const before =
          stored.event.type === 'EnvironmentCreated'
            ? null
            : touched.has(id)
              ? touched.get(id)!
              : states.has(id)
                ? states.get(id)!
                : await loadState(sql, id);
        checkStreamOrder(stored, before);
        const after = evolve(before, stored.event);
        versionRows.push(versionRowValues(stored, after));
        touched.set(id, after);
      } catch (error) {
        if (error instanceof LogReplayError || error instanceof QueryFailedError) throw error;
        throw new LogReplayError(`event ${stored.event_id} (position ${stored.position}) cannot be replayed: ${(error as Error).message}`);
      }
    }
    await writeBatch(sql, touched, versionRows);
    if (states.size + touched.size > STATE_CACHE_LIMIT) states.clear();
    for (const [id, state] of touched) states.set(id, state);
    count += batch.events.length;
    checkpoint = batch.checkpoints[batch.checkpoints.length - 1];
  }
}

async function count(sql: Sql, table: string): Promise<number> {
  const rows = await sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0].n);
}

/**
 * Rebuilds every projection from the event log and swaps the result in.
 *
 * The bulk of the log is replayed into temporary tables while the service
 * keeps running. Then, in one write transaction that holds writers off (the
 * SQLite write lock; table locks on PostgreSQL that wait for appends in
 * flight), the events appended meanwhile are replayed too and the live tables
 * are replaced by the rebuilt ones.
 */
export async function rebuildProjections(db: Database): Promise<RebuildReport> {
  const started = Date.now();
  return db.session(async (session: Session) => {
    const bulk = await session.transaction(async (tx) => {
      await createScratchTables(tx);
      return projectLog(tx, LOG_START, { everythingVisible: false });
    }, 'read');
    return session.transaction(async (tx) => {
      if (tx.dialect === 'postgres') {
        await tx.execute('LOCK TABLE events, environments, environment_versions IN EXCLUSIVE MODE');
      }
      const rest = await projectLog(tx, bulk.checkpoint, { everythingVisible: true });
      const swapped = await swapIn(tx);
      return { events: bulk.events + rest.events, ...swapped, seconds: (Date.now() - started) / 1000 };
    });
  });
}

/** Replaces the live read models with the scratch tables, which it drops. */
async function swapIn(tx: Sql): Promise<{ environments: number; versions: number }> {
  for (const key of ['versions', 'environments'] as const) {
    const columns = TABLE_COLUMNS[key].columns.join(', ');
    await tx.execute(`DELETE FROM ${LIVE_TABLES[key]}`);
    await tx.execute(`INSERT INTO ${LIVE_TABLES[key]} (${columns}) SELECT ${columns} FROM ${SCRATCH[key]}`);
  }
  const counts = { environments: await count(tx, LIVE_TABLES.environments), versions: await count(tx, LIVE_TABLES.versions) };
  await tx.execute(`DROP TABLE ${SCRATCH.environments}`);
  await tx.execute(`DROP TABLE ${SCRATCH.versions}`);
  return counts;
}

/**
 * Rebuilds every projection inside the caller's write transaction, which
 * nothing else writes to meanwhile (an import into an empty database): a log
 * that cannot be replayed fails the transaction, and nothing is committed.
 */
export async function rebuildWithin(tx: Sql): Promise<{ events: number; environments: number; versions: number }> {
  await createScratchTables(tx);
  const { events } = await projectLog(tx, LOG_START, { everythingVisible: true });
  return { events, ...(await swapIn(tx)) };
}

function normalizeRow(key: TableKey, row: Record<string, unknown>): string {
  const spec = TABLE_COLUMNS[key];
  const out: Record<string, unknown> = {};
  for (const column of spec.columns) {
    let value = row[column];
    if ((spec.timestamps as readonly string[]).includes(column)) value = nullableTimestampOf(value);
    else if ((spec.json as readonly string[]).includes(column)) value = value === null ? null : jsonOf(value);
    else if ((spec.numbers as readonly string[]).includes(column)) value = Number(value);
    out[column] = value;
  }
  return canonicalJson(out);
}

/** Walks two tables in id order side by side, in batches. */
async function compareTables(
  sql: Sql,
  key: TableKey,
  differences: RowDifference[],
  max: number,
): Promise<{ compared: number; more: boolean }> {
  const live = LIVE_TABLES[key];
  const scratch = SCRATCH[key];
  const columns = TABLE_COLUMNS[key].columns.join(', ');
  const page = (table: string, after: string) =>
    sql.query<Record<string, unknown>>(`SELECT ${columns} FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`, [after, BATCH]);
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
      await tx.execute(`DROP TABLE ${SCRATCH.environments}`);
      await tx.execute(`DROP TABLE ${SCRATCH.versions}`);
      return { events, rows_compared: compared, differences, truncated };
    }, 'read'),
  );
}
