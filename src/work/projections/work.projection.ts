import type { Sql } from '../../database/database';
import { insertRows, upsertRows } from '../../database/table';
import type { StoredEvent } from '../../event-store/event-store';
import type { TableNames } from '../../event-store/projection-family';
import { historyRow } from '../../organizations/history/history-row';
import type { EnvironmentKeyEvent, EnvironmentKeyState } from '../domain/environment-key';
import type { WorkEvent, WorkItem } from '../domain/work';
import { presentEnvironmentKey, presentWork } from '../resources/work.resource';
import { environmentKeysTable, environmentKeyVersionsTable, workItemsTable, workVersionsTable } from '../tables';

export const LIVE_WORK_TABLES: TableNames = { work_items: workItemsTable.name, work_versions: workVersionsTable.name };
export const LIVE_ENVIRONMENT_KEY_TABLES: TableNames = {
  environment_keys: environmentKeysTable.name,
  environment_key_versions: environmentKeyVersionsTable.name,
};

/** The id of whoever acted, whatever kind of actor: the key, the work item whose secret was used, or none. */
function actorId(stored: StoredEvent): string | null {
  const actor = stored.metadata.actor;
  if (actor.type === 'api_actor') return actor.api_key_id;
  if (actor.type === 'environment_key_actor') return actor.environment_key_id;
  if (actor.type === 'work_secret_actor') return actor.work_id;
  return null;
}

function workOperation(event: WorkEvent): string {
  switch (event.type) {
    case 'WorkEnqueued':
      return 'enqueued';
    case 'WorkClaimed':
      return event.data.reclaimed ? 'reclaimed' : 'claimed';
    case 'WorkAcknowledged':
      return 'acknowledged';
    case 'WorkStarted':
      return 'started';
    case 'WorkStopRequested':
      return 'stop_requested';
    case 'WorkStopped':
      return event.data.reason === 'lease_expired' ? 'lease_expired' : 'stopped';
    case 'WorkMetadataUpdated':
      return 'updated';
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled work event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

/** What the event set, as the history's `changes` (never the secret's hash; the item's state is in every row). */
function changesOf(event: WorkEvent): { path: string; from: null; to: unknown }[] {
  if (event.type === 'WorkEnqueued') return [];
  const { work_id: _id, ...set } = event.data as Record<string, unknown>;
  delete set.secret_hash;
  if (event.type === 'WorkMetadataUpdated') return [{ path: 'metadata', from: null, to: event.data.metadata }];
  // Sorted: PostgreSQL's jsonb hands an event's keys back in its own order, and a rebuild must reproduce the row.
  return Object.keys(set)
    .sort()
    .map((path) => ({ path, from: null, to: set[path] }));
}

/** Writes what a batch of work events did: each touched item's final state and one history row per event. */
export async function projectWorkEvents(
  tx: Sql,
  events: readonly { stored: StoredEvent<WorkEvent>; after: WorkItem | null }[],
  tables: TableNames = LIVE_WORK_TABLES,
): Promise<void> {
  const latest = new Map<string, WorkItem>();
  for (const { after } of events) if (after) latest.set(after.id, after);
  const states = [...latest.values()] as unknown as Record<(typeof workItemsTable.columnNames)[number], unknown>[];
  for (const upsert of upsertRows(workItemsTable, states, tables.work_items)) await tx.execute(upsert);
  for (const insert of insertRows(workVersionsTable, workHistoryRows(events), tables.work_versions)) await tx.execute(insert);
}

/** One `work_versions` row per work event (that left an item). */
export function workHistoryRows(events: readonly { stored: StoredEvent<WorkEvent>; after: WorkItem | null }[]) {
  return events.flatMap(({ stored, after }) =>
    after
      ? [
          {
            ...historyRow(stored, 'workver_', workOperation(stored.event), changesOf(stored.event)),
            actor_id: actorId(stored),
            work_id: after.id,
            environment_id: after.environment_id,
            work: presentWork(after),
          },
        ]
      : [],
  );
}

export async function projectEnvironmentKeyEvents(
  tx: Sql,
  events: readonly { stored: StoredEvent<EnvironmentKeyEvent>; after: EnvironmentKeyState | null }[],
  tables: TableNames = LIVE_ENVIRONMENT_KEY_TABLES,
): Promise<void> {
  const latest = new Map<string, EnvironmentKeyState>();
  for (const { after } of events) if (after) latest.set(after.id, after);
  const states = [...latest.values()] as unknown as Record<(typeof environmentKeysTable.columnNames)[number], unknown>[];
  for (const upsert of upsertRows(environmentKeysTable, states, tables.environment_keys)) await tx.execute(upsert);
  for (const insert of insertRows(environmentKeyVersionsTable, environmentKeyHistoryRows(events), tables.environment_key_versions)) await tx.execute(insert);
}

/** One `environment_key_versions` row per key event (that left a key). */
export function environmentKeyHistoryRows(events: readonly { stored: StoredEvent<EnvironmentKeyEvent>; after: EnvironmentKeyState | null }[]) {
  return events.flatMap(({ stored, after }) => {
    if (!after) return [];
    const revoked = stored.event.type === 'EnvironmentKeyRevoked';
    const changes = revoked ? [{ path: 'revoked_at', from: null, to: after.revoked_at }] : [];
    return [
      {
        ...historyRow(stored, 'envkeyver_', revoked ? 'revoked' : 'created', changes),
        environment_key_id: after.id,
        environment_id: after.environment_id,
        environment_key: presentEnvironmentKey(after),
      },
    ];
  });
}
