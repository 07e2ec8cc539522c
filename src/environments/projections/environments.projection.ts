import { sql, SqlFragment } from '../../database/database';
import { insertRows } from '../../database/table';
import type { EnvironmentState } from '../domain/environment';
import { ENVIRONMENT_EVENT_TYPES } from '../domain/events';
import type { Projection } from './projection';
import { environmentsTable } from './tables';

/** The columns an event can change; id, organization, scope and creation time never do (nor the indexes keyed on them). */
const CHANGING = ['name', 'description', 'config', 'metadata', 'version', 'archived_at', 'updated_at'] as const;

/**
 * Current state, one row per live environment: the row is always
 * `fold(evolve, events)` of its stream, so command handlers load it as the
 * snapshot instead of replaying the stream.
 *
 * A batch writes each touched environment's final state once: a new one is
 * inserted, a deleted one removed. An environment that existed before the
 * batch is updated in place, only the columns whose value changed (so the
 * indexes on unchanged ones are not rewritten), when it is the batch's only
 * one, the inline case; with several (a rebuild), their rows are removed and
 * written again, so names swapped within a batch never collide half-way.
 */
export const environmentsProjection: Projection = {
  name: 'environments',
  canHandle: ENVIRONMENT_EVENT_TYPES,
  async evolve(tx, events, tables) {
    const latest = new Map<string, EnvironmentState | null>();
    const created = new Set<string>();
    for (const { stored, after } of events) {
      const id = stored.event.data.environment_id;
      latest.set(id, after);
      if (stored.event.type === 'EnvironmentCreated') created.add(id);
    }
    const table = sql.raw(tables.environments);
    const existing = [...latest.keys()].filter((id) => !created.has(id));
    if (existing.length === 1 && latest.size === 1) {
      const state = latest.get(existing[0]);
      // Every event of the batch is this environment's: the first found the row as it is.
      const update = state && updateStatement(table, events[0].before, state);
      if (update) await tx.execute(update);
      else if (!state) await tx.execute(sql`DELETE FROM ${table} WHERE id = ${existing[0]}`);
      return;
    }
    if (existing.length) await tx.execute(sql`DELETE FROM ${table} WHERE id IN ${sql.tuple(existing)}`);
    const alive = [...latest.values()].filter((state): state is EnvironmentState => state !== null);
    for (const insert of insertRows(environmentsTable, alive, tables.environments)) await tx.execute(insert);
  },
};

/**
 * Sets the columns whose value differs from the row the batch found (all of
 * them when it is not known). SQLite rewrites an index entry whenever its
 * UPDATE names one of the index's columns, changed or not: naming `name`
 * and `archived_at` in every update dirtied a page of the name index and
 * one of the active-listing index per change, with nothing to write.
 */
function updateStatement(table: SqlFragment, before: EnvironmentState | null, state: EnvironmentState): SqlFragment | null {
  const values = environmentsTable.valuesOf(state, CHANGING);
  const previous = before ? environmentsTable.valuesOf(before, CHANGING) : null;
  const changed = CHANGING.flatMap((column, i) => (previous?.[i] === values[i] ? [] : [sql`${sql.raw(column)} = ${values[i]}`]));
  return changed.length ? sql`UPDATE ${table} SET ${sql.join(changed)} WHERE id = ${state.id}` : null;
}
