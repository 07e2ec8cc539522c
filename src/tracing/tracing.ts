import type * as FastifyOtel from '@fastify/otel';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Instrumentation from '@opentelemetry/instrumentation';
import type * as InstrumentationPg from '@opentelemetry/instrumentation-pg';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkTraceNode from '@opentelemetry/sdk-trace-node';
import { onTracingStarted } from '../telemetry/spans';

/** GET /metrics and the health probes. */
const UNTRACED = /^\/(metrics|health\/[a-z]+)(\?|$)/;

let started = false;

/** Starts tracing when `env` names an OTLP endpoint; returns whether it did. */
export function startTracing(env: Record<string, string | undefined>): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || started || env.OTEL_SDK_DISABLED === 'true') return false;
  started = true;
  // The SDK is required only when tracing is on: with it off (the default) start-up loads none of it.
  const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof FastifyOtel;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof Instrumentation;
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof InstrumentationPg;
  const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources') as typeof Resources;
  const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof SdkTraceNode;
  const { instrumentSqliteStatements } = require('./sqlite-spans') as typeof import('./sqlite-spans');
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
  onTracingStarted(() => provider.forceFlush());
  return true;
}
