import type { Sql } from '../../database/database';
import type { StoredEvent } from '../../event-store/event-store';
import { DeciderState, evolve } from '../domain/decider';
import type { EnvironmentEvent } from '../domain/events';
import { environmentVersionsProjection } from './environment-versions.projection';
import { environmentsProjection } from './environments.projection';
import type { EvolvedEvent, Projection } from './projection';
import { LIVE_TABLES, ProjectionTables } from './tables';

/** Every read model, in the order a batch is written to them. */
export const PROJECTIONS: readonly Projection[] = [environmentsProjection, environmentVersionsProjection];

/** Writes one batch of evolved events to every projection that handles them. */
export async function applyProjections(sql: Sql, events: readonly EvolvedEvent[], tables: ProjectionTables): Promise<void> {
  for (const projection of PROJECTIONS) {
    const handled = events.filter(({ stored }) => projection.canHandle.includes(stored.event.type));
    if (handled.length) await projection.evolve(sql, handled, tables);
  }
}

/**
 * Applies freshly appended events of one stream to the live read models,
 * inside the caller's transaction: one batch, the same code a rebuild runs
 * (see replay.ts). Returns the state after the last one.
 */
export async function projectEvents(
  tx: Sql,
  events: readonly StoredEvent<EnvironmentEvent>[],
  before: DeciderState,
): Promise<DeciderState> {
  let state = before;
  const evolved: EvolvedEvent[] = [];
  for (const stored of events) {
    const previous = state;
    state = evolve(state, stored.event);
    evolved.push({ stored, before: previous, after: state });
  }
  await applyProjections(tx, evolved, LIVE_TABLES);
  return state;
}
