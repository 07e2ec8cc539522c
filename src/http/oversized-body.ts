import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * How much of an oversized body is read and thrown away, as a multiple of
 * the body limit, before the 413 is sent anyway.
 */
export const OVERSIZED_BODY_DRAIN_FACTOR = 4;

/**
 * Reads and discards what is left of a request body, up to `maxBytes`;
 * resolves once it has all arrived, the cap is reached or the connection
 * closes. Clients such as Node's fetch (and so the SDK) write the whole body
 * before they read an answer: if the server answered and closed while they
 * were still writing, they would see EPIPE or a reset instead of the 413.
 * The request timeout bounds how long this can take.
 */
function drain(request: FastifyRequest['raw'], maxBytes: number): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((done) => {
    let discarded = 0;
    const finish = () => {
      request.off('data', onData);
      request.off('end', finish);
      request.off('error', finish);
      request.off('close', finish);
      request.pause();
      done();
    };
    const onData = (chunk: Buffer | string) => {
      discarded += chunk.length;
      if (discarded > maxBytes) finish();
    };
    request.on('data', onData);
    request.once('end', finish);
    request.once('error', finish);
    request.once('close', finish);
    request.resume();
  });
}

/**
 * An onSend hook: before a 413 goes out, the rest of the body is read (up to
 * OVERSIZED_BODY_DRAIN_FACTOR times the limit) and the connection is marked
 * to close after the answer, so the unread remainder of a larger body can
 * never be taken for the next request.
 */
export function drainOversizedBody(bodyLimitBytes: number) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    if (reply.statusCode === 413) {
      await drain(request.raw, bodyLimitBytes * OVERSIZED_BODY_DRAIN_FACTOR);
      void reply.header('connection', 'close');
    }
    return payload;
  };
}
