import type { Sql } from '../../database/database';
import { versionIdForEvent } from '../../common/ids';
import type { StoredEvent } from '../../event-store/event-store';
import { FieldChange, initialChanges } from '../domain/changes';
import type { EnvironmentState } from '../domain/environment';
import type { EnvironmentEvent } from '../domain/events';
import { presentEnvironment } from '../resources/environment.resource';
import type { VersionOperation } from '../resources/environment-version.resource';
import { LIVE_TABLES } from './projection-tables';


export function operationOf(event: EnvironmentEvent): VersionOperation {
  switch (event.type) {
    case 'EnvironmentCreated':
      return 'created';
    case 'EnvironmentModified':
      return 'modified';
    case 'EnvironmentArchived':
      return 'archived';
    case 'EnvironmentDeleted':
      return 'deleted';
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

export function changesOf(event: EnvironmentEvent, after: EnvironmentState | null): FieldChange[] {
  switch (event.type) {
    case 'EnvironmentCreated':
      return initialChanges(after!);
    case 'EnvironmentModified':
      return event.data.changes;
    case 'EnvironmentArchived':
      return [{ path: 'archived_at', from: null, to: event.data.archived_at }];
    case 'EnvironmentDeleted':
      return [];
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

/** Every column of a version row, in the order of `versionRowValues`. */
export const VERSION_ROW_COLUMNS =
  'id, event_position, organization_id, environment_id, version, operation, created_at, actor_type, api_key_id, request_id, changes, environment';

/**
 * The audit history: one row per recorded change, derived from the event
 * alone (plus the state it produced), so it can be rebuilt from the log.
 */
export function versionRowValues(stored: StoredEvent<EnvironmentEvent>, after: EnvironmentState | null): unknown[] {
  const { event, metadata } = stored;
  const actor = metadata.actor;
  return [
    versionIdForEvent(stored.event_id),
    stored.position,
    metadata.organization_id,
    event.data.environment_id,
    stored.stream_version,
    operationOf(event),
    stored.recorded_at,
    actor.type,
    actor.type === 'api_actor' ? actor.api_key_id : null,
    metadata.request_id,
    JSON.stringify(changesOf(event, after)),
    after ? JSON.stringify(presentEnvironment(after)) : null,
  ];
}

export async function projectEnvironmentVersion(
  tx: Sql,
  stored: StoredEvent<EnvironmentEvent>,
  after: EnvironmentState | null,
): Promise<void> {
  await tx.execute(
    `INSERT INTO ${LIVE_TABLES.versions} (${VERSION_ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    versionRowValues(stored, after),
  );
}
