import { FastifyReply, FastifyRequest, LogController } from 'fastify';

type WithPrincipal = FastifyRequest & { principal?: { organizationId: string; apiKeyId: string } };

/**
 * Fastify's request logging, reshaped: no "incoming request" line, and one
 * line per answered request with the request id (`request_id`), the route
 * template (never the raw URL, which holds ids), status, latency and who
 * asked. Never a secret, never a body.
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: WithPrincipal, reply: FastifyReply): void {
    const fields = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      latency_ms: Math.round(reply.elapsedTime * 100) / 100,
      organization_id: request.principal?.organizationId ?? null,
      api_key_id: request.principal?.apiKeyId ?? null,
    };
    if (error) request.log.error({ ...fields, err: error }, 'request errored');
    else request.log.info(fields, 'request completed');
  }
}
