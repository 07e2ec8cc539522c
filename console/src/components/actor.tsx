import { apiActor, type CreatedBy } from '../api/types';

/** Who made a change: the key's name and id, and the IP address and user agent of the request once recorded. */
export function Actor({ actor, names, testId }: { actor: CreatedBy; names: Map<string, string | null>; testId?: string }) {
  const api = apiActor(actor);
  if (!api) {
    return (
      <span class="actor" data-testid={testId}>
        {actor.type}
      </span>
    );
  }
  const name = names.get(api.api_key_id);
  return (
    <span class="actor" data-testid={testId}>
      <span class="actor-key">
        <strong>{name ?? (names.has(api.api_key_id) ? 'unnamed key' : 'key')}</strong> <code>{api.api_key_id}</code>
      </span>
      <span class="actor-origin">
        {api.ip_address ? (
          <>
            IP <code>{api.ip_address}</code>
          </>
        ) : (
          'IP not recorded'
        )}
        {' · '}
        {api.user_agent ? (
          <>
            user agent <code>{api.user_agent}</code>
          </>
        ) : (
          'user agent not recorded'
        )}
      </span>
    </span>
  );
}
