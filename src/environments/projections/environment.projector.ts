import type { Sql } from '../../database/database';
import type { StoredEvent } from '../../event-store/event-store';
import { DeciderState, evolve } from '../domain/decider';
import type { EnvironmentEvent } from '../domain/events';
import { projectEnvironmentVersion } from './environment-versions.projection';
import { projectEnvironment } from './environments.projection';
import { LIVE_TABLES, ProjectionTables } from './projection-tables';

/**
 * Applies freshly appended (or replayed) events of one stream to every read
 * model, inside the caller's transaction. Returns the state after the last one.
 */
export async function projectEvents(
  tx: Sql,
  events: readonly StoredEvent<EnvironmentEvent>[],
  before: DeciderState,
  tables: ProjectionTables = LIVE_TABLES,
): Promise<DeciderState> {
  let state = before;
  for (const stored of events) {
    state = evolve(state, stored.event);
    await projectEnvironment(tx, stored.event, state, tables);
    await projectEnvironmentVersion(tx, stored, state, tables);
  }
  return state;
}
