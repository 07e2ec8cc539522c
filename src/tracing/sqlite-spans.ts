import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import BetterSqlite3 from 'better-sqlite3';

const tracer = trace.getTracer('sandbase-sqlite');
// Not `iterate`: its rows are read after it returns, so a span around it would measure nothing.
const METHODS = ['run', 'get', 'all'] as const;

/**
 * better-sqlite3 has no maintained OpenTelemetry instrumentation: this wraps
 * its prepared statements' run/get/all in a client span (the SQL
 * text with its placeholders, never the bound values), inside a request's
 * trace only. The calls are synchronous, so the span is exactly the statement.
 */
export function instrumentSqliteStatements(): void {
  const probe = new BetterSqlite3(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, unknown>;
  probe.close();
  for (const method of METHODS) {
    const original = prototype[method] as (this: BetterSqlite3.Statement, ...args: unknown[]) => unknown;
    if (typeof original !== 'function' || (original as { traced?: boolean }).traced) continue;
    const traced = function (this: BetterSqlite3.Statement, ...args: unknown[]): unknown {
      if (trace.getSpan(context.active()) === undefined) return original.apply(this, args);
      const text = this.source;
      const span = tracer.startSpan(text.trimStart().split(/\s/, 1)[0].toUpperCase() || 'sqlite', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'sqlite', 'db.system': 'sqlite', 'db.query.text': text },
      });
      try {
        return original.apply(this, args);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    };
    Object.assign(traced, { traced: true });
    prototype[method] = traced;
  }
}
