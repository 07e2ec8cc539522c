import { Attributes, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * The service's own spans (command, append, projection). Without a tracer
 * provider (OTEL_EXPORTER_OTLP_ENDPOINT unset) the API hands out spans that
 * record nothing, so these cost next to nothing when tracing is off.
 */
const tracer = trace.getTracer('sandbase');

/** Runs `work` inside a child span of the active one, ended when it settles; a failure is recorded on it. */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

let flush: () => Promise<void> = async () => undefined;

/** Set by src/tracing/start.ts: what sends the spans still buffered. */
export function onTracingFlush(handler: () => Promise<void>): void {
  flush = handler;
}

/** Sends the spans still buffered (on shutdown); nothing when tracing is off. */
export function flushTracing(): Promise<void> {
  return flush().catch(() => undefined);
}
