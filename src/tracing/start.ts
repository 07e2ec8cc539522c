/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
 * Loaded first thing by main.ts, before Fastify, pg or Nest are required, so
 * that the instrumentations see them load:
 *
 * - @fastify/otel: a server span per request, continuing the caller's W3C
 *   `traceparent`, named by the route template;
 * - @opentelemetry/instrumentation-pg: a span per PostgreSQL query;
 * - better-sqlite3 has no maintained instrumentation: sqlite-spans.ts wraps
 *   its statements;
 * - the service's own spans (command, append, projection): src/telemetry/spans.ts.
 *
 * Spans go out in batches over OTLP/HTTP (JSON) to
 * `$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`; the standard OTEL_* settings
 * (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_SCHEDULE_DELAY,
 * OTEL_TRACES_SAMPLER...) apply.
 */
import { startTracing } from './tracing';

startTracing(process.env);
