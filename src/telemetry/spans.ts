import { Attributes, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * The service's own spans (command, append, projection). With tracing off
 * (OTEL_EXPORTER_OTLP_ENDPOINT unset, the default) no span is made at all:
 * even a span that records nothing cost an async context switch per step of
 * every write.
 */
const tracer = trace.getTracer('sandbase');
let tracing = false;

/** Whether tracing was started (src/tracing/start.ts, before the app is built). */
export function tracingEnabled(): boolean {
  return tracing;
}

/** Runs `work` inside a child span of the active one, ended when it settles; a failure is recorded on it. */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!tracing) return work();
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

/** Called by src/tracing/tracing.ts once tracing is on, with what sends the spans still buffered. */
export function onTracingStarted(handler: () => Promise<void>): void {
  tracing = true;
  flush = handler;
}

/** Sends the spans still buffered (on shutdown); nothing when tracing is off. */
export function flushTracing(): Promise<void> {
  return flush().catch(() => undefined);
}
