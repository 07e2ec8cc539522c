import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { onTracingFlush } from '../telemetry/spans';
import { instrumentSqliteStatements } from './sqlite-spans';

/** GET /metrics and the health probes. */
const UNTRACED = /^\/(metrics|health\/[a-z]+)(\?|$)/;

let started = false;

/** Starts tracing when `env` names an OTLP endpoint; returns whether it did. */
export function startTracing(env: Record<string, string | undefined>): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || started || env.OTEL_SDK_DISABLED === 'true') return false;
  started = true;
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || 'sandbase' })),
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (adding /v1/traces) and OTEL_EXPORTER_OTLP_HEADERS itself.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context and baggage propagation, async-hooks context: the defaults.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Registered on every Fastify instance as it is created (NestJS creates it), before any route.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // Scrapes and probes would drown the requests worth tracing.
        ignorePaths: ({ url }) => UNTRACED.test(url),
      }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  instrumentSqliteStatements();
  onTracingFlush(() => provider.forceFlush());
  return true;
}
