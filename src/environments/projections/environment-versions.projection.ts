import { versionIdForEvent } from '../../common/ids';
import { insertRows } from '../../database/table';
import { FieldChange, initialChanges } from '../domain/changes';
import type { EnvironmentState } from '../domain/environment';
import { ENVIRONMENT_EVENT_TYPES, type EnvironmentEvent } from '../domain/events';
import { presentEnvironment } from '../resources/environment.resource';
import type { VersionOperation } from '../resources/environment-version.resource';
import type { EvolvedEvent, Projection } from './projection';
import { environmentVersionsTable } from './tables';

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

/**
 * The audit history: one row per recorded change, derived from the event
 * alone (plus the states before and after it), so it can be rebuilt from the log.
 */
export function versionRow({ stored, before, after }: EvolvedEvent): Record<(typeof environmentVersionsTable.columnNames)[number], unknown> {
  const { event, metadata } = stored;
  const actor = metadata.actor;
  return {
    id: versionIdForEvent(stored.event_id),
    event_position: stored.position,
    organization_id: metadata.organization_id,
    environment_id: event.data.environment_id,
    version: stored.stream_version,
    operation: operationOf(event),
    created_at: stored.recorded_at,
    actor_type: actor.type,
    api_key_id: actor.type === 'api_actor' ? actor.api_key_id : null,
    request_id: metadata.request_id,
    // A creation's changes are every field of the environment it stored: derived from it when read (storedChanges).
    changes: event.type === 'EnvironmentCreated' ? [] : changesOf(event, after),
    // This version's own environment is the next version's `previous`, or the current row (see tables.ts).
    previous: before ? presentEnvironment(before) : null,
    ip_address: metadata.source?.ip_address ?? null,
    user_agent: metadata.source?.user_agent ?? null,
  };
}

export const environmentVersionsProjection: Projection = {
  name: 'environment_versions',
  canHandle: ENVIRONMENT_EVENT_TYPES,
  async evolve(tx, events, tables) {
    for (const insert of insertRows(environmentVersionsTable, events.map(versionRow), tables.versions)) await tx.execute(insert);
  },
};
