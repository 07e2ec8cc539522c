import { Sql, sql } from '../../database/database';
import type { ProjectionFamily } from '../../event-store/projection-family';
import { evolve } from '../domain/decider';
import type { EnvironmentState } from '../domain/environment';
import { ENVIRONMENT_EVENT_TYPES, type EnvironmentEvent } from '../domain/events';
import { applyProjections } from './environment.projector';
import { versionRow } from './environment-versions.projection';
import { toEnvironmentState } from './environments.read-model';
import { environmentsTable, environmentVersionsTable, ProjectionTables } from './tables';

/** The environments' read models (current state, history) as one family of the log's projections. */
export const environmentFamily: ProjectionFamily<EnvironmentState, EnvironmentEvent> = {
  name: 'environments',
  readModels: {
    environments: { table: environmentsTable, scratch: 'rebuild_environments' },
    versions: { table: environmentVersionsTable, scratch: 'rebuild_environment_versions', insertOnly: true },
  },
  eventTypes: ENVIRONMENT_EVENT_TYPES,
  idOf(event) {
    const id = event.data.environment_id;
    if (typeof id !== 'string') throw new Error('it names no environment');
    return id;
  },
  starts: (event) => event.type === 'EnvironmentCreated',
  async load(tx: Sql, id, tables) {
    const rows = await tx.query<Parameters<typeof toEnvironmentState>[0]>(sql`SELECT * FROM ${sql.raw(tables.environments)} WHERE id = ${id}`);
    return rows.length ? toEnvironmentState(rows[0]) : null;
  },
  evolve,
  versionOf: (state) => state.version,
  project: (tx, evolved, tables) => applyProjections(tx, evolved, tables as ProjectionTables),
  stateRow: (state) => state as unknown as Record<string, unknown>,
  historyRows: (evolved) => evolved.map(versionRow),
};
