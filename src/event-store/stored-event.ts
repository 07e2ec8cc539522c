/** Who caused an event: an API key, or an operator at the admin CLI. */
export type Actor = { type: 'api_actor'; api_key_id: string } | { type: 'cli_actor'; name: string };

export interface EventMetadata {
  organization_id: string;
  actor: Actor;
  request_id: string | null;
  schema_version: number;
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
