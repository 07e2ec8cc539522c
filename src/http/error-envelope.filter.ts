import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../common/api-error';
import { toApiError } from './error-mapping';

/** The one place where errors become responses in the API's error envelope. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toApiError(exception);
    if (error.status === 503) {
      // Expected while the database is away or overloaded: one line per request, no stack.
      const cause = exception instanceof Error ? exception.message : String(exception);
      this.logger.warn(`${request.method} ${request.url} answered 503 (${request.id}): ${cause}`);
    } else if (error.status >= 500) {
      this.logger.error(
        `${request.method} ${request.url} failed (${request.id}): ${exception instanceof Error ? exception.stack : String(exception)}`,
      );
    }
    reply.status(error.status).headers(error.headers).send(errorEnvelope(error, String(request.id)));
  }
}
