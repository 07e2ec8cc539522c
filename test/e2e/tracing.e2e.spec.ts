import Anthropic from '@anthropic-ai/sdk';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createServer, Server } from 'node:http';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startServiceProcess, ServiceProcess } from '../support/service-process';

/**
 * Tracing, against an OTLP/HTTP receiver in this process: the service (a
 * child process, since tracing is set up once per process) continues the
 * trace of a call the official SDK makes, and reports the command, the
 * append, the projection and the database statements as child spans.
 */
jest.setTimeout(120_000);

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

const SERVER = 2;
const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

describe('tracing over OTLP', () => {
  const secret = `sk-sb-tracing-${'t'.repeat(24)}`;
  const received: OtlpSpan[] = [];
  const contentTypes = new Set<string>();
  let receiver: Server;
  let database: TestDatabase;
  let service: ServiceProcess;
  // The caller's own tracing: with a tracer provider registered, the SDK traces its calls and sends `traceparent`.
  const callerSpans = new InMemorySpanExporter();
  const callerTracing = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(callerSpans)] });

  beforeAll(async () => {
    callerTracing.register();
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        contentTypes.add(String(request.headers['content-type']));
        if (request.url === '/v1/traces') {
          const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
          for (const resource of payload.resourceSpans) for (const scope of resource.scopeSpans) received.push(...scope.spans);
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    database = await createTestDatabase();
    service = await startTraced({ OTEL_BSP_SCHEDULE_DELAY: '50', LOG_LEVEL: 'info' });
  });

  /** The service, sending its spans to the receiver. */
  function startTraced(env: Record<string, string>): Promise<ServiceProcess> {
    const address = receiver.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return startServiceProcess({
      DATABASE_URL: database.url,
      SANDBASE_BOOTSTRAP_API_KEY: secret,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      ...env,
    });
  }

  afterAll(async () => {
    await service?.kill();
    await database?.drop();
    await new Promise((resolve) => receiver?.close(resolve));
    await callerTracing.shutdown();
  });

  async function spansOf(traceId: string, done: (spans: OtlpSpan[]) => boolean): Promise<OtlpSpan[]> {
    for (let i = 0; i < 100; i++) {
      const spans = received.filter((s) => s.traceId === traceId);
      if (done(spans)) return spans;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the spans of trace ${traceId} did not all arrive; received: ${JSON.stringify(received.map((s) => [s.traceId, s.name]))}`);
  }

  it('continues the trace of an SDK call with a server span, and reports the command, append, projection and queries under it', async () => {
    const sent: string[] = [];
    const client = new Anthropic({
      apiKey: secret,
      baseURL: service.baseUrl,
      maxRetries: 0,
      fetch: (async (url: string | URL | Request, init?: RequestInit) => {
        sent.push(new Headers(init?.headers).get('traceparent') ?? '');
        return fetch(url, init);
      }) as typeof fetch,
    });
    const created = await client.beta.environments.create({ name: `traced-${Date.now()}` });
    expect(created.id).toMatch(/^env_/);

    // The SDK traced its call and sent that trace's context.
    const [traceparent] = sent;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const [, traceId, callerSpanId] = traceparent.split('-');
    expect(callerSpans.getFinishedSpans().map((s) => s.spanContext().traceId)).toContain(traceId);

    const spans = await spansOf(traceId, (found) =>
      ['command CreateEnvironmentCommand', 'append', 'project'].every((name) => found.some((s) => s.name === name)) &&
      found.some((s) => s.kind === SERVER),
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(attribute(server, 'http.route')).toBe('/v1/environments');
    expect(attribute(server, 'http.request.method')).toBe('POST');

    /** The names of a span's ancestors, nearest first. */
    const ancestors = (span: OtlpSpan): string[] => {
      const names: string[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) names.push(parent.name);
      return names;
    };
    const named = (name: string) => spans.find((s) => s.name === name)!;
    expect(ancestors(named('command CreateEnvironmentCommand'))).toContain(server.name);
    expect(ancestors(named('append'))).toContain('command CreateEnvironmentCommand');
    expect(ancestors(named('project'))).toContain('command CreateEnvironmentCommand');

    // Database statements: pg's instrumentation on PostgreSQL, the service's own spans on SQLite.
    const queries = await spansOf(traceId, (found) => found.some((s) => attribute(s, 'db.system.name') ?? attribute(s, 'db.system')));
    const statements = queries.filter((s) => attribute(s, 'db.system.name') ?? attribute(s, 'db.system'));
    expect(statements.some((s) => ancestors(s).includes('append'))).toBe(true);
    expect(JSON.stringify(statements)).not.toContain(secret);
    expect([...contentTypes]).toEqual(['application/json']);
    // The readiness probes that waited for the service are not traced.
    expect(received.filter((s) => String(attribute(s, 'url.path')).startsWith('/health'))).toEqual([]);
    expect(received.filter((s) => attribute(s, 'url.path') === '/v1/environments').length).toBeGreaterThan(0);

    // The request's log line names its trace.
    const requestLine = () =>
      service
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === 'request completed' && line.route === '/v1/environments' && line.method === 'POST');
    for (let i = 0; i < 50 && !requestLine(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(requestLine()).toMatchObject({ status: 200, trace_id: traceId });
  });

  it('sends the spans it still holds when it is stopped', async () => {
    // Batches every ten minutes: only the flush at shutdown can deliver this request's spans.
    const stopped = await startTraced({ OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const traceId = `${Date.now().toString(16).padStart(16, '0')}a3ce929d0e0e4736`;
    const response = await fetch(`${stopped.baseUrl}/v1/environments`, {
      headers: { 'x-api-key': secret, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(200);
    expect(received.filter((s) => s.traceId === traceId)).toEqual([]);
    await stopped.stop();
    const spans = received.filter((s) => s.traceId === traceId);
    expect(spans.find((s) => s.kind === SERVER)).toMatchObject({ parentSpanId: '00f067aa0ba902b7' });
  });
});
