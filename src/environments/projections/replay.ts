import { QueryFailedError } from 'typeorm';
import { Sql, sql } from '../../database/database';
import { LogCheckpoint, readAllBatch, StoredEvent } from '../../event-store/event-store';
import { DeciderState, evolve } from '../domain/decider';
import { ENVIRONMENT_EVENT_TYPES, type EnvironmentEvent } from '../domain/events';
import { applyProjections } from './environment.projector';
import { toEnvironmentState } from './environments.read-model';
import type { EvolvedEvent } from './projection';
import { READ_MODEL_TABLES, ReadModelKey, SCRATCH_TABLES } from './tables';

export const BATCH = 1000;
/** States of recently replayed environments, so a stream's next event needs no read-back. */
const STATE_CACHE_LIMIT = 10_000;

export class LogReplayError extends Error {}

/** Empty temporary scratch copies of the read-model tables, shaped by their declarations. */
export async function createScratchTables(tx: Sql): Promise<void> {
  for (const key of Object.keys(READ_MODEL_TABLES) as ReadModelKey[]) {
    await tx.createScratchTable(READ_MODEL_TABLES[key], SCRATCH_TABLES[key]);
  }
}

export async function dropScratchTables(tx: Sql): Promise<void> {
  for (const key of Object.keys(READ_MODEL_TABLES) as ReadModelKey[]) await tx.execute(sql.raw(`DROP TABLE ${SCRATCH_TABLES[key]}`));
}

async function loadState(tx: Sql, environmentId: string): Promise<DeciderState> {
  const rows = await tx.query<Parameters<typeof toEnvironmentState>[0]>(
    sql`SELECT * FROM ${sql.raw(SCRATCH_TABLES.environments)} WHERE id = ${environmentId}`,
  );
  return rows.length ? toEnvironmentState(rows[0]) : null;
}

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

/**
 * Projects log events after `from` into the scratch tables, a batch at a
 * time (the projections' own batch form, a few multi-row statements per
 * batch); returns where it stopped.
 */
export async function projectLog(
  tx: Sql,
  from: LogCheckpoint,
  options: { everythingVisible: boolean },
): Promise<{ checkpoint: LogCheckpoint; events: number }> {
  let checkpoint = from;
  let count = 0;
  const states = new Map<string, DeciderState>();
  for (;;) {
    const batch = await readAllBatch<EnvironmentEvent>(tx, checkpoint, BATCH, options);
    if (batch.events.length === 0) return { checkpoint, events: count };
    const touched = new Map<string, DeciderState>();
    const evolved: EvolvedEvent[] = [];
    for (const stored of batch.events) {
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
                : await loadState(tx, id);
        checkStreamOrder(stored, before);
        const after = evolve(before, stored.event);
        evolved.push({ stored, after });
        touched.set(id, after);
      } catch (error) {
        if (error instanceof LogReplayError || error instanceof QueryFailedError) throw error;
        throw new LogReplayError(`event ${stored.event_id} (position ${stored.position}) cannot be replayed: ${(error as Error).message}`);
      }
    }
    await applyProjections(tx, evolved, SCRATCH_TABLES);
    if (states.size + touched.size > STATE_CACHE_LIMIT) states.clear();
    for (const [id, state] of touched) states.set(id, state);
    count += batch.events.length;
    checkpoint = batch.checkpoints[batch.checkpoints.length - 1];
  }
}
