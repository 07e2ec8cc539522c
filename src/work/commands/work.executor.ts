import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../../common/clock';
import { Database, DATABASE, Sql } from '../../database/database';
import { appendToStream, ChangeContext, metadataFor } from '../../event-store/event-store';
import { runStreamCommand } from '../../event-store/stream-command';
import { inOrganizationLog } from '../../event-store/organization-log';
import { newEventId } from '../../common/ids';
import { EnvironmentKeyEvent, EnvironmentKeyState, environmentKeyStreamId, evolveEnvironmentKey } from '../domain/environment-key';
import { evolveWork, WorkEvent, WorkItem, workStreamId } from '../domain/work';
import { environmentKeyFamily, workFamily } from '../projections/work-families';
import { LIVE_ENVIRONMENT_KEY_TABLES, LIVE_WORK_TABLES, projectEnvironmentKeyEvents, projectWorkEvents } from '../projections/work.projection';

/** Bumped when the shape of a work or environment-key event's data changes; stored in its metadata. */
export const WORK_EVENT_SCHEMA_VERSION = 1;

/** What a command decides, given the aggregate's state (null: none) inside the organization's log lock, at the command's time. */
export type Decide<S, E> = (state: S | null, tx: Sql, now: string) => Promise<E[]> | E[];

/**
 * The write path of work items and environment keys, like the other
 * aggregates': the current-state row is the snapshot; events go to the
 * item's (or key's) stream in the organization's log, projected inline.
 */
@Injectable()
export class WorkExecutor {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  work(organizationId: string, workId: string, decide: Decide<WorkItem, WorkEvent>, context: ChangeContext): Promise<WorkItem | null> {
    return runStreamCommand<WorkItem | null, WorkEvent>(
      this.db,
      this.clock,
      organizationId,
      {
        streamId: workStreamId(workId),
        schemaVersion: WORK_EVENT_SCHEMA_VERSION,
        load: (tx) => workFamily.load(tx, workId, LIVE_WORK_TABLES),
        versionOf: (state) => state?.version ?? 0,
        decide,
        evolve: evolveWork,
        project: (tx, evolved) => projectWorkEvents(tx, evolved),
      },
      context,
    );
  }

  /**
   * Picks an item and decides about it in one transaction under the
   * organization's log lock (`pick` chooses the item there, so concurrent
   * polls never contend for the same one): a claim. Null if nothing was picked
   * or decided.
   */
  pickAndDecide(
    organizationId: string,
    pick: (tx: Sql, now: string) => Promise<WorkItem | null>,
    decide: (item: WorkItem, now: string) => WorkEvent[],
    context: ChangeContext,
  ): Promise<WorkItem | null> {
    return inOrganizationLog(this.db, this.clock, organizationId, async (tx, now) => {
      const item = await pick(tx, now);
      if (!item) return null;
      const events = decide(item, now);
      if (!events.length) return null;
      const stored = await appendToStream(
        tx,
        workStreamId(item.id),
        item.version,
        events.map((event) => ({ event_id: newEventId(), event })),
        metadataFor(organizationId, context, WORK_EVENT_SCHEMA_VERSION),
        now,
      );
      let state: WorkItem | null = item;
      const evolved = stored.map((s) => ({ stored: s, after: (state = evolveWork(state, s.event)) }));
      await projectWorkEvents(tx, evolved);
      return state;
    });
  }

  environmentKey(
    organizationId: string,
    keyId: string,
    decide: Decide<EnvironmentKeyState, EnvironmentKeyEvent>,
    context: ChangeContext,
  ): Promise<EnvironmentKeyState | null> {
    return runStreamCommand<EnvironmentKeyState | null, EnvironmentKeyEvent>(
      this.db,
      this.clock,
      organizationId,
      {
        streamId: environmentKeyStreamId(keyId),
        schemaVersion: WORK_EVENT_SCHEMA_VERSION,
        load: (tx) => environmentKeyFamily.load(tx, keyId, LIVE_ENVIRONMENT_KEY_TABLES),
        versionOf: (state) => state?.version ?? 0,
        decide,
        evolve: evolveEnvironmentKey,
        project: (tx, evolved) => projectEnvironmentKeyEvents(tx, evolved),
      },
      context,
    );
  }
}

/**
 * Appends and projects key events inside a transaction that already holds
 * the organization's log lock (an environment's archive or delete revokes
 * its keys in its own transaction).
 */
export async function appendEnvironmentKeyEvents(
  tx: Sql,
  state: EnvironmentKeyState,
  events: EnvironmentKeyEvent[],
  context: ChangeContext,
  now: string,
): Promise<void> {
  if (!events.length) return;
  const stored = await appendToStream(
    tx,
    environmentKeyStreamId(state.id),
    state.version,
    events.map((event) => ({ event_id: newEventId(), event })),
    metadataFor(state.organization_id, context, WORK_EVENT_SCHEMA_VERSION),
    now,
  );
  let current: EnvironmentKeyState | null = state;
  await projectEnvironmentKeyEvents(tx, stored.map((s) => ({ stored: s, after: (current = evolveEnvironmentKey(current, s.event)) })));
}
