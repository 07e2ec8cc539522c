import type { Clock } from '../common/clock';
import { newEventId } from '../common/ids';
import type { Database, Sql } from '../database/database';
import { appendToStream } from './append-to-stream';
import { inOrganizationLog } from './organization-log';
import { ChangeContext, metadataFor, StoredEvent, StreamVersionConflict } from './stored-event';

type AnyEvent = { type: string; data: unknown };

/**
 * One command on one stream of an organization, described by its aggregate:
 * how to load the current state (the snapshot row), decide, evolve, and
 * project the appended events inline.
 */
export interface StreamCommand<S, E extends AnyEvent> {
  streamId: string;
  schemaVersion: number;
  load(tx: Sql): Promise<S>;
  versionOf(state: S): number;
  decide(state: S, tx: Sql, now: string): Promise<E[]> | E[];
  evolve(state: S, event: E): S;
  project(tx: Sql, evolved: { stored: StoredEvent<E>; after: S }[]): Promise<void>;
}

const MAX_ATTEMPTS = 5;

/**
 * Runs a stream command in the organization's log (one transaction, its
 * lock, its monotonic clock): load, decide, append at the loaded version,
 * project. Returns the state after the command (unchanged if it decided
 * nothing). A lost race on the stream version, possible only for a writer
 * that skipped the lock, is retried on the new state.
 */
export async function runStreamCommand<S, E extends AnyEvent>(
  db: Database,
  clock: Clock,
  organizationId: string,
  command: StreamCommand<S, E>,
  context: ChangeContext,
): Promise<S> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inOrganizationLog<S>(db, clock, organizationId, async (tx, now): Promise<S> => {
        const before = (await command.load(tx)) as S;
        const events = await command.decide(before, tx, now);
        if (events.length === 0) return before;
        const stored = await appendToStream(
          tx,
          command.streamId,
          command.versionOf(before),
          events.map((event) => ({ event_id: newEventId(), event })),
          metadataFor(organizationId, context, command.schemaVersion),
          now,
        );
        let state = before;
        const evolved = stored.map((s) => ({ stored: s, after: (state = command.evolve(state, s.event)) }));
        await command.project(tx, evolved);
        return state;
      });
    } catch (error) {
      if (error instanceof StreamVersionConflict && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
  }
}
