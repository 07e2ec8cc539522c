/**
 * The audit stream (docs/audit.md, "Streaming to a SIEM") against the
 * service started as its own process on a fresh database (SQLite, or
 * PostgreSQL with DATABASE_URL=postgres://...).
 *
 * - lag: a webhook sink to a receiver in this process; BENCH_WRITERS clients
 *   update environments for BENCH_DURATION seconds; a change's lag is the
 *   time from its HTTP answer to the arrival of its record. p50, p99, max.
 * - throughput: BENCH_BACKLOG changes are made first; then a new sink of
 *   each type (webhook, nats when NATS answers at BENCH_NATS_URL, file)
 *   delivers the whole history: records per second from its creation until
 *   it reports lag 0.
 *
 * Prints a table and writes bench/results/audit-stream-<time>-<database>[-quick].json.
 * Run: npx ts-node --transpile-only bench/audit-stream.bench.ts   (BENCH_QUICK=1: shorter)
 * Settings: BENCH_WRITERS (8), BENCH_DURATION (20 s; quick 5), BENCH_BACKLOG
 * (5000; quick 1000), BENCH_BATCH_SIZE (100), BENCH_NATS_URL
 * (nats://127.0.0.1:4222); the service's SANDBASE_AUDIT_STREAM_* settings
 * pass through (the interval defaults to 1000 ms, which bounds the lag).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect } from 'nats';
import { createTestDatabase, usingPostgres } from '../test/support/database';
import { startServiceProcess } from '../test/support/service-process';
import { fixed, millis, quantile, sleep } from './lib/stats';

const QUICK = process.env.BENCH_QUICK === '1';
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const WRITERS = num('BENCH_WRITERS', 8);
const DURATION = num('BENCH_DURATION', QUICK ? 5 : 20);
const BACKLOG = num('BENCH_BACKLOG', QUICK ? 1000 : 5000);
const BATCH = num('BENCH_BATCH_SIZE', 100);
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const KEY = `sk-sb-bench-stream-${Date.now().toString(36)}0000`;

type Client = { baseUrl: string };
async function call(c: Client, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(c.baseUrl + path, {
    method,
    headers: { 'x-api-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = await response.json();
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** A receiver that notes when each (stream, version) arrived. */
async function receiver(): Promise<{ url: string; arrived: Map<string, number>; close(): void }> {
  const arrived = new Map<string, number>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const now = performance.now();
      for (const record of JSON.parse(body).records) arrived.set(`${record.event.stream_id}@${record.event.stream_version}`, now);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, arrived, close: () => server.close() };
}

async function caughtUp(c: Client, id: string): Promise<any> {
  for (;;) {
    const sink = await call(c, 'GET', `/v1/audit_sinks/${id}`);
    if (sink.lag === 0 && sink.position > 0) return sink;
    await sleep(20);
  }
}

async function natsAvailable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000 });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const fileDir = mkdtempSync(join(tmpdir(), 'sandbase-bench-audit-'));
  const nats = await natsAvailable();
  const service = await startServiceProcess({
    DATABASE_URL: database.url,
    SANDBASE_BOOTSTRAP_API_KEY: KEY,
    SANDBASE_AUDIT_STREAM_FILE_DIR: fileDir,
    ...(nats ? { SANDBASE_AUDIT_STREAM_NATS_URL: NATS_URL } : {}),
  });
  const c = { baseUrl: service.baseUrl };
  try {
    // Lag under a write load.
    const r = await receiver();
    const sink = await call(c, 'POST', '/v1/audit_sinks', { type: 'webhook', url: r.url, batch_size: BATCH });
    const answered = new Map<string, number>();
    const ids = await Promise.all(Array.from({ length: WRITERS }, async (_, i) => (await call(c, 'POST', '/v1/environments', { name: `lag-${i}` })).id as string));
    const end = performance.now() + DURATION * 1000;
    await Promise.all(ids.map(async (id) => {
      while (performance.now() < end) {
        const env = await call(c, 'POST', `/v1/environments/${id}`, { description: `at ${performance.now()}` });
        answered.set(`environment-${id}@${env.version}`, performance.now());
      }
    }));
    await caughtUp(c, sink.id);
    const lags = [...answered].map(([key, at]) => (r.arrived.get(key) ?? NaN) - at).sort((a, b) => a - b);
    const missing = lags.filter((lag) => Number.isNaN(lag)).length;
    r.close();
    await call(c, 'DELETE', `/v1/audit_sinks/${sink.id}`);

    // Throughput from a backlog.
    let made = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (made < BACKLOG) await call(c, 'POST', '/v1/environments', { name: `backlog-${made++}` });
    }));
    const throughput: Record<string, { records: number; seconds: number; perSecond: number }> = {};
    const subject = `bench.audit.${Date.now()}`;
    let stream: string | null = null;
    if (nats) {
      const nc = await connect({ servers: NATS_URL });
      stream = `BENCH_AUDIT_${Date.now()}`;
      await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [subject] });
      await nc.close();
    }
    const targets: Record<string, unknown>[] = [{ type: 'file', path: 'bench.ndjson' }, ...(nats ? [{ type: 'nats', subject }] : [])];
    const hook = await receiver();
    targets.unshift({ type: 'webhook', url: hook.url });
    for (const target of targets) {
      const started = performance.now();
      const created = await call(c, 'POST', '/v1/audit_sinks', { ...target, batch_size: BATCH });
      const done = await caughtUp(c, created.id);
      const seconds = (performance.now() - started) / 1000;
      throughput[String(target.type)] = { records: done.position, seconds, perSecond: done.position / seconds };
      await call(c, 'DELETE', `/v1/audit_sinks/${created.id}`);
    }
    hook.close();
    if (stream) {
      const nc = await connect({ servers: NATS_URL });
      await (await nc.jetstreamManager()).streams.delete(stream);
      await nc.close();
    }

    const result = {
      database: usingPostgres() ? 'postgres' : 'sqlite',
      cpus: cpus().length,
      load: loadavg()[0],
      writers: WRITERS,
      duration_s: DURATION,
      batch_size: BATCH,
      lag_ms: { changes: lags.length, missing, p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), max: lags[lags.length - 1] },
      throughput,
    };
    console.log(`\naudit stream, ${result.database}, ${WRITERS} writers for ${DURATION} s, batch ${BATCH}`);
    console.log(`lag (answer -> record at the webhook): ${lags.length} changes, missing ${missing}, p50 ${millis(result.lag_ms.p50)} ms, p99 ${millis(result.lag_ms.p99)} ms, max ${millis(result.lag_ms.max)} ms`);
    for (const [type, t] of Object.entries(throughput)) console.log(`${type.padEnd(8)} ${fixed(t.records)} records in ${t.seconds.toFixed(2)} s: ${fixed(t.perSecond)} records/s`);
    const dir = resolve(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `audit-stream-${new Date().toISOString().replace(/[:.]/g, '-')}-${result.database}${QUICK ? '-quick' : ''}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
  } finally {
    await service.stop();
    await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
