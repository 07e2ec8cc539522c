import { sql } from '../../database/database';
import { insertRows } from '../../database/table';
import type { EnvironmentState } from '../domain/environment';
import { ENVIRONMENT_EVENT_TYPES } from '../domain/events';
import type { Projection } from './projection';
import { environmentsTable } from './tables';

/**
 * Current state, one row per live environment: the row is always
 * `fold(evolve, events)` of its stream, so command handlers load it as the
 * snapshot instead of replaying the stream. A batch removes the rows of the
 * environments it touched and writes the final state of those still alive:
 * names swapped within a batch never collide half-way.
 */
export const environmentsProjection: Projection = {
  name: 'environments',
  canHandle: ENVIRONMENT_EVENT_TYPES,
  async evolve(tx, events, tables) {
    const latest = new Map<string, EnvironmentState | null>();
    for (const { stored, after } of events) latest.set(stored.event.data.environment_id, after);
    const table = sql.raw(tables.environments);
    await tx.execute(sql`DELETE FROM ${table} WHERE id IN ${sql.tuple([...latest.keys()])}`);
    const alive = [...latest.values()].filter((state): state is EnvironmentState => state !== null);
    for (const insert of insertRows(environmentsTable, alive, tables.environments)) await tx.execute(insert);
  },
};
