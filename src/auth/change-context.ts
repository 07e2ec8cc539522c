import type { FastifyRequest } from 'fastify';
import type { Actor, ChangeContext } from '../event-store/event-store';
import type { Principal } from './api-keys.service';

/** The longest User-Agent recorded with a change; longer ones are cut. */
export const MAX_USER_AGENT_LENGTH = 512;

/**
 * Who is changing something over HTTP, in which request, from where: the
 * key, the request id, the client's address (X-Forwarded-For counts only
 * from TRUSTED_PROXIES; see app.factory.ts) and its User-Agent.
 */
export function changeContextOf(principal: Principal, request: FastifyRequest): ChangeContext {
  const agent = request.headers['user-agent'];
  return {
    actor: actorOf(principal),
    requestId: String(request.id),
    source: {
      ip_address: request.ip ?? null,
      user_agent: typeof agent === 'string' && agent !== '' ? [...agent].slice(0, MAX_USER_AGENT_LENGTH).join('') : null,
    },
  };
}

function actorOf(principal: Principal): Actor {
  if (principal.credential === 'environment_key') return { type: 'environment_key_actor', environment_key_id: principal.apiKeyId };
  if (principal.credential === 'work_secret') return { type: 'work_secret_actor', work_id: principal.workId ?? principal.apiKeyId };
  return { type: 'api_actor', api_key_id: principal.apiKeyId };
}
