/**
 * Who made a recorded change, as every history shows it: the API key (with
 * the client's address and User-Agent, where recorded), or the kind of
 * actor for operator and system changes.
 */
export type CreatedBy =
  | { type: 'api_actor'; api_key_id: string; ip_address: string | null; user_agent: string | null }
  | { type: string };

export function presentCreatedBy(
  actorType: string,
  actorKeyId: string | null,
  source: { ip_address?: unknown; user_agent?: unknown },
): CreatedBy {
  if (actorType !== 'api_actor' || !actorKeyId) return { type: actorType };
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { type: 'api_actor', api_key_id: actorKeyId, ip_address: text(source.ip_address), user_agent: text(source.user_agent) };
}
