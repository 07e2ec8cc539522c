import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../common/api-error';
import { ReplayedAnswer } from '../common/idempotent-answer';
import { toApiError } from './error-mapping';

/**
 * The one place where errors become responses in the API's error envelope;
 * also where a stored answer to an Idempotency-Key is replayed.
 */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const headers = { 'request-id': String(request.id), 'x-content-type-options': 'nosniff' };
    if (exception instanceof ReplayedAnswer) {
      reply.status(exception.status).headers({ ...headers, 'idempotent-replayed': 'true' }).send(exception.body);
      return;
    }
    const error = toApiError(exception);
    if (error.status === 503) {
      // Expected while the database is away or overloaded: one line per request, no stack.
      const cause = exception instanceof Error ? exception.message : String(exception);
      request.log.warn({ method: request.method, route: request.routeOptions.url ?? null, cause }, 'answered 503: the database is unavailable');
    } else if (error.status >= 500) {
      request.log.error({ method: request.method, route: request.routeOptions.url ?? null, err: exception }, 'request failed');
    }
    // Set here too: some answers (an unknown method with a malformed URL) skip the onRequest hook.
    reply
      .status(error.status)
      .headers({ ...headers, ...error.headers })
      .send(errorEnvelope(error, String(request.id)));
  }
}
