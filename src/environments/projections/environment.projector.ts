import type { Sql } from '../../database/database';
import type { StoredEvent } from '../../event-store/event-store';
import { DeciderState, evolve } from '../domain/decider';
import type { EnvironmentEvent } from '../domain/events';
import { projectEnvironmentVersion } from './environment-versions.projection';
import { projectEnvironment } from './environments.projection';

/**
 * Applies freshly appended events of one stream to the live read models,
 * inside the caller's transaction (rebuilds write batches of their own, see
 * projection-rebuild.ts). Returns the state after the last one.
 */
export async function projectEvents(
  tx: Sql,
  events: readonly StoredEvent<EnvironmentEvent>[],
  before: DeciderState,
): Promise<DeciderState> {
  let state = before;
  for (const stored of events) {
    state = evolve(state, stored.event);
    await projectEnvironment(tx, stored.event, state);
    await projectEnvironmentVersion(tx, stored, state);
  }
  return state;
}
