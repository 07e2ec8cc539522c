import { context, trace } from '@opentelemetry/api';
import { FastifyReply, FastifyRequest, HookHandlerDoneFunction, LogController } from 'fastify';

type WithPrincipal = FastifyRequest & { principal?: { organizationId: string; apiKeyId: string }; traceId?: string };

/**
 * onRequest hook: with tracing on, remembers the request's trace id (its
 * server span is active here) so that its log line names the trace.
 */
export function rememberTraceId(request: WithPrincipal, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const span = trace.getSpan(context.active());
  if (span?.isRecording()) request.traceId = span.spanContext().traceId;
  done();
}

/**
 * Fastify's request logging, reshaped: no "incoming request" line, and one
 * line per answered request with the request id (`request_id`), the route
 * template (never the raw URL, which holds ids), status, latency and who
 * asked (and, with tracing on, the trace id). Never a secret, never a body.
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
      ...(request.traceId ? { trace_id: request.traceId } : {}),
    };
    if (error) request.log.error({ ...fields, err: error }, 'request errored');
    else request.log.info(fields, 'request completed');
  }
}
