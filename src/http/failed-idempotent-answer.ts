import type { FastifyReply, FastifyRequest } from 'fastify';
import { failedAnswerSinkOf } from '../common/idempotent-answer';

/**
 * An onSend hook: a failed answer to a request that holds an Idempotency-Key
 * claim is stored for replay (4xx other than 409 and 429) or releases the key
 * (5xx, 409, 429), before it is sent. A request's successful answer was
 * stored with its command.
 */
export async function settleFailedIdempotentAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const claim = failedAnswerSinkOf(request);
  if (!claim || reply.statusCode < 400) return payload;
  try {
    await claim.failed(reply.statusCode, typeof payload === 'string' ? (JSON.parse(payload) as unknown) : payload);
  } catch (failure) {
    request.log.warn({ cause: failure instanceof Error ? failure.message : String(failure) }, 'could not settle the Idempotency-Key of a failed request');
  }
  return payload;
}
