import { sql } from '../../database/database';
import type { ProjectionFamily } from '../../event-store/projection-family';
import { ENVIRONMENT_KEY_EVENT_TYPES, EnvironmentKeyEvent, EnvironmentKeyState, evolveEnvironmentKey } from '../domain/environment-key';
import { evolveWork, WORK_EVENT_TYPES, WorkEvent, WorkItem } from '../domain/work';
import { environmentKeysTable, environmentKeyVersionsTable, workItemsTable, workVersionsTable } from '../tables';
import { environmentKeyHistoryRows, projectEnvironmentKeyEvents, projectWorkEvents, workHistoryRows } from './work.projection';

/** Work items and their history as one family of the log's projections. */
export const workFamily: ProjectionFamily<WorkItem, WorkEvent> = {
  name: 'work_items',
  readModels: {
    work_items: { table: workItemsTable, scratch: 'rebuild_work_items' },
    work_versions: { table: workVersionsTable, scratch: 'rebuild_work_versions', insertOnly: true },
  },
  eventTypes: WORK_EVENT_TYPES,
  idOf(event) {
    const id = event.data.work_id;
    if (typeof id !== 'string') throw new Error('it names no work item');
    return id;
  },
  starts: (event) => event.type === 'WorkEnqueued',
  async load(tx, id, tables) {
    const rows = await tx.query(sql`SELECT ${workItemsTable.columnList} FROM ${sql.raw(tables.work_items)} WHERE id = ${id}`);
    return rows.length ? (workItemsTable.decode(rows[0]) as unknown as WorkItem) : null;
  },
  evolve: evolveWork,
  versionOf: (state) => state.version,
  project: (tx, evolved, tables) => projectWorkEvents(tx, evolved, tables),
  stateRow: (state) => state as unknown as Record<string, unknown>,
  historyRows: workHistoryRows,
};

/** Environment keys and their history as one family of the log's projections. */
export const environmentKeyFamily: ProjectionFamily<EnvironmentKeyState, EnvironmentKeyEvent> = {
  name: 'environment_keys',
  readModels: {
    environment_keys: { table: environmentKeysTable, scratch: 'rebuild_environment_keys' },
    environment_key_versions: { table: environmentKeyVersionsTable, scratch: 'rebuild_environment_key_versions', insertOnly: true },
  },
  eventTypes: ENVIRONMENT_KEY_EVENT_TYPES,
  idOf(event) {
    const id = event.data.environment_key_id;
    if (typeof id !== 'string') throw new Error('it names no environment key');
    return id;
  },
  starts: (event) => event.type === 'EnvironmentKeyCreated',
  async load(tx, id, tables) {
    const rows = await tx.query(sql`SELECT ${environmentKeysTable.columnList} FROM ${sql.raw(tables.environment_keys)} WHERE id = ${id}`);
    return rows.length ? (environmentKeysTable.decode(rows[0]) as unknown as EnvironmentKeyState) : null;
  },
  evolve: evolveEnvironmentKey,
  versionOf: (state) => state.version,
  project: (tx, evolved, tables) => projectEnvironmentKeyEvents(tx, evolved, tables),
  stateRow: (state) => state as unknown as Record<string, unknown>,
  historyRows: environmentKeyHistoryRows,
};
