import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { statSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseConfig } from '../config/config';
import { AuditStreamSignal, CHANNELS, EventsAppended, VersionClashRetry } from '../telemetry/signals';

/** The label of a request no route matched: its raw URL never becomes a label. */
export const UNMATCHED_ROUTE = '(unmatched)';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What the PostgreSQL pool reports (pg's Pool). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The service's Prometheus metrics, in a registry of its own (one per
 * application, so that several in one process do not clash). Labels are
 * route templates, command and event types, statuses and outcomes: never
 * an id, a name or a key.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'sandbase_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status (429 = rate limited).',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'sandbase_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** The two series of each method, status and route (a bounded set: route templates), looked up once. */
  private readonly requestSeries = new Map<string, { count: { inc(): void }; latency: { observe(value: number): void } }>();
  private readonly commands = new Counter({
    name: 'sandbase_commands_total',
    help: 'Commands run through the command bus, by type and outcome (ok, the domain error code, or error).',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly eventsAppended = new Counter({
    name: 'sandbase_events_appended_total',
    help: 'Events appended to the log, by type (counted at the append, before COMMIT).',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly versionClashRetries = new Counter({
    name: 'sandbase_version_clash_retries_total',
    help: 'Commands retried because another writer took the stream version first, by kind of stream.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  private readonly idempotentReplays = new Counter({
    name: 'sandbase_idempotent_replays_total',
    help: 'POSTs with an Idempotency-Key answered with the stored answer of an earlier request.',
    registers: [this.registry],
  });
  // The audit stream's metrics are labelled by sink id: an organization has at most 10 sinks.
  private readonly auditRecords = new Counter({
    name: 'sandbase_audit_stream_records_delivered_total',
    help: 'Audit records a sink acknowledged, by sink id (duplicates after a retry or replay count again).',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  private readonly auditFailures = new Counter({
    name: 'sandbase_audit_stream_delivery_failures_total',
    help: 'Failed deliveries to a sink (an error, a non-2xx answer, a timeout), by sink id.',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  private readonly auditLagVersions = new Gauge({
    name: 'sandbase_audit_stream_lag_versions',
    help: "Records of the organization's chain a sink has not acknowledged yet, by sink id (as of this instance's last delivery pass for it).",
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  private readonly auditLagSeconds = new Gauge({
    name: 'sandbase_audit_stream_lag_seconds',
    help: 'Age of the oldest record a sink has not acknowledged yet (0 when it is caught up), by sink id.',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  private readonly subscriptions: [string, (message: unknown) => void][] = [
    [CHANNELS.auditStream.name as string, (m) => this.recordAuditStream(m as AuditStreamSignal)],
    [CHANNELS.eventsAppended.name as string, (m) => (m as EventsAppended).types.forEach((type) => this.eventsAppended.inc({ type }))],
    [CHANNELS.versionClashRetry.name as string, (m) => this.versionClashRetries.inc({ stream: (m as VersionClashRetry).stream })],
    [CHANNELS.idempotentReplay.name as string, () => this.idempotentReplays.inc()],
  ];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const [name, listener] of this.subscriptions) subscribe(name, listener);
  }

  /** Fastify onResponse hook: one request answered. */
  recordRequest(request: FastifyRequest, reply: FastifyReply): void {
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const key = `${method} ${reply.statusCode} ${route}`;
    let series = this.requestSeries.get(key);
    if (series === undefined) {
      const labels = { method, route, status: String(reply.statusCode) };
      series = { count: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(reply.elapsedTime / 1000);
  }

  private recordAuditStream(signal: AuditStreamSignal): void {
    const labels = { sink: signal.sink };
    if (signal.kind === 'delivered') this.auditRecords.inc(labels, signal.records);
    else if (signal.kind === 'failed') this.auditFailures.inc(labels);
    else if (signal.kind === 'lag') {
      this.auditLagVersions.set(labels, signal.versions);
      this.auditLagSeconds.set(labels, signal.seconds);
    } else {
      for (const metric of [this.auditRecords, this.auditFailures, this.auditLagVersions, this.auditLagSeconds]) metric.remove(labels);
    }
  }

  recordCommand(command: string, outcome: string): void {
    this.commands.inc({ command, outcome });
  }

  /**
   * The database's gauges, read at each scrape: the SQLite WAL file's size,
   * or the PostgreSQL pool's connections in use, idle and waited for.
   */
  watchDatabase(config: DatabaseConfig, pool: () => PoolCounts | null): void {
    if (config.type === 'sqlite') {
      const wal = `${config.path}-wal`;
      new Gauge({
        name: 'sandbase_sqlite_wal_bytes',
        help: 'Size of the SQLite write-ahead log file (it shrinks at checkpoints).',
        registers: [this.registry],
        collect() {
          try {
            this.set(statSync(wal).size);
          } catch {
            this.set(0);
          }
        },
      });
      return;
    }
    new Gauge({
      name: 'sandbase_db_pool_connections',
      help: 'PostgreSQL pool connections by state: in_use, idle, and waiting (requests queued for a connection).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const counts = pool();
        if (!counts) return;
        this.set({ state: 'in_use' }, counts.totalCount - counts.idleCount);
        this.set({ state: 'idle' }, counts.idleCount);
        this.set({ state: 'waiting' }, counts.waitingCount);
      },
    });
  }

  /** The text exposition format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    for (const [name, listener] of this.subscriptions) unsubscribe(name, listener);
  }
}

/** pg's Pool behind a PostgreSQL Database (TypeORM's driver pool), or null on SQLite or if it cannot be found. */
export function poolOf(database: unknown): PoolCounts | null {
  const pool = (database as { pool?: Partial<PoolCounts> } | null)?.pool;
  return pool && typeof pool.totalCount === 'number' && typeof pool.idleCount === 'number' && typeof pool.waitingCount === 'number'
    ? (pool as PoolCounts)
    : null;
}
