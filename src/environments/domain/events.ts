import type { FieldChange } from './changes';
import type { EnvironmentFields } from './environment';

/** Bumped when the shape of an event's data changes; stored in its metadata. */
export const EVENT_SCHEMA_VERSION = 1;

export type EnvironmentCreated = {
  type: 'EnvironmentCreated';
  data: EnvironmentFields & { environment_id: string; organization_id: string; created_at: string };
};

export type EnvironmentModified = {
  type: 'EnvironmentModified';
  data: {
    environment_id: string;
    /** The new value of every top-level field that changed. */
    set: Partial<EnvironmentFields>;
    changes: FieldChange[];
    modified_at: string;
  };
};

export type EnvironmentArchived = {
  type: 'EnvironmentArchived';
  data: { environment_id: string; archived_at: string };
};

export type EnvironmentDeleted = {
  type: 'EnvironmentDeleted';
  data: { environment_id: string; deleted_at: string };
};

export type EnvironmentEvent = EnvironmentCreated | EnvironmentModified | EnvironmentArchived | EnvironmentDeleted;
export const ENVIRONMENT_EVENT_TYPES: readonly EnvironmentEvent['type'][] = [
  'EnvironmentCreated',
  'EnvironmentModified',
  'EnvironmentArchived',
  'EnvironmentDeleted',
];
export function streamIdFor(environmentId: string): string {
  return `environment-${environmentId}`;
}
