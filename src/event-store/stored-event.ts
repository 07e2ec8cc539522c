/**
 * Who caused an event: an API key, a self-hosted worker (by its environment
 * key, or by the work secret of one item), an operator at the admin CLI, or
 * the service itself (start-up work such as the bootstrap key, lease expiry).
 */
export type Actor =
  | { type: 'api_actor'; api_key_id: string }
  | { type: 'environment_key_actor'; environment_key_id: string }
  | { type: 'work_secret_actor'; work_id: string }
  | { type: 'cli_actor'; name: string }
  | { type: 'system_actor'; name: string };

/** Where a change came from: the client's address (X-Forwarded-For only from TRUSTED_PROXIES) and its User-Agent. */
export interface ChangeSource {
  ip_address: string | null;
  user_agent: string | null;
}

export interface EventMetadata {
  organization_id: string;
  actor: Actor;
  request_id: string | null;
  schema_version: number;
  /** Absent on events recorded before sources were recorded, and on CLI and system changes. */
  source?: ChangeSource;
}

export interface NewEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> {
  event_id: string;
  event: E;
}

export interface StoredEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> {
  position: number;
  event_id: string;
  stream_id: string;
  stream_version: number;
  event: E;
  metadata: EventMetadata;
  recorded_at: string;
}

/** Another writer appended to the stream (or the organization's chain) first; the unique guards fired. */
export class StreamVersionConflict extends Error {
  constructor(readonly streamId: string) {
    super(`Concurrent append to stream ${streamId}`);
  }
}

/** Who is acting, in which request, from where: travels with every command into its events' metadata. */
export interface ChangeContext {
  actor: Actor;
  requestId: string | null;
  source?: ChangeSource;
}

/** The metadata of events a command appends to an organization's log. */
export function metadataFor(organizationId: string, context: ChangeContext, schemaVersion: number): EventMetadata {
  return {
    organization_id: organizationId,
    actor: context.actor,
    request_id: context.requestId,
    schema_version: schemaVersion,
    ...(context.source ? { source: context.source } : {}),
  };
}
