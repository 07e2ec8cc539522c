import type { StoredEvent } from '../../event-store/event-store';

/**
 * The columns every history table shares (api_key_versions,
 * organization_versions): derived from the event alone, so a rebuild
 * reproduces them; the id is derived from the event id.
 */
export function historyRow(stored: StoredEvent, idPrefix: string, operation: string, changes: unknown[]) {
  const { metadata } = stored;
  const actor = metadata.actor;
  return {
    id: `${idPrefix}${stored.event_id}`,
    event_position: stored.position,
    organization_id: metadata.organization_id,
    version: stored.stream_version,
    operation,
    created_at: stored.recorded_at,
    actor_type: actor.type,
    actor_api_key_id: actor.type === 'api_actor' ? actor.api_key_id : null,
    request_id: metadata.request_id,
    ip_address: metadata.source?.ip_address ?? null,
    user_agent: metadata.source?.user_agent ?? null,
    changes,
  };
}
