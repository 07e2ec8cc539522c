/**
 * The work queue of self-hosted environments (docs/self-hosted-work.md), over
 * HTTP against the service started as its own process (src/main.ts through
 * ts-node) on a fresh database: SQLite by default, PostgreSQL with
 * DATABASE_URL=postgres://... (a database created next to the one named and
 * dropped afterwards).
 *
 * - latency: one worker long-polls (`block_ms=999`, as the SDK's WorkPoller)
 *   while items are enqueued one at a time at BENCH_ENQUEUE_RATE per second
 *   (well below what one worker drains, so that items do not queue up); the
 *   latency of an item is the time from the enqueue answer to the poll
 *   answer carrying it (also shown from the enqueue request being sent, since
 *   a poll woken by the enqueue may answer before the enqueue itself does).
 *   The worker acknowledges and stops each item off its poll loop, so it is
 *   always back in a poll. p50 and p99.
 * - cross-instance latency (PostgreSQL only, BENCH_CROSS_INSTANCE=0 skips it):
 *   the same with the worker polling a second instance on the same database;
 *   an item enqueued on the first is seen by the second's re-check of the
 *   database (every 100 ms), not by an in-process wake-up.
 * - throughput: BENCH_WORK_ITEMS items are enqueued first (16 at a time,
 *   enqueues per second shown), then BENCH_WORKERS concurrent workers drain
 *   the queue, each looping poll -> ack -> stop (graceful stop with the
 *   environment key, as WorkPoller's auto-stop) until a poll answers `null`
 *   (non-blocking polls, as WorkPoller with `drain: true, blockMs: null`).
 *   Items per second from the first poll to the last stop answer, the p50 of
 *   each call, items delivered twice (only a reclaim may do that), failed
 *   calls, and polls that answered `null` although items were certainly
 *   still unclaimed (more left than other workers could have had in flight):
 *   a non-blocking poll that lost its claims to other workers. A fresh
 *   environment for each measurement.
 *
 * Prints a table and writes bench/results/work-queue-<time>-<database>[-quick].json.
 *
 * Run: npx ts-node --transpile-only bench/work-queue.bench.ts
 *      BENCH_QUICK=1 ... (200 items, 1 round, 40 latency samples)
 *      DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ... (PostgreSQL)
 * Settings: BENCH_WORK_ITEMS (2000; quick 200), BENCH_WORKERS (1,4,16),
 * BENCH_ROUNDS (3; quick 1; the table shows medians), BENCH_LATENCY_ITEMS
 * (200; quick 40), BENCH_ENQUEUE_RATE (5 per second). The service's own
 * settings (DATABASE_POOL_SIZE, SANDBASE_WORK_SWEEP_INTERVAL_MS, ...) pass
 * through from the environment; rate limits are off.
 */
import { gitDescription } from './lib/servers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTestDatabase, usingPostgres } from '../test/support/database';
import { startServiceProcess, ServiceProcess } from '../test/support/service-process';
import { median, millis, quantile, fixed, sleep } from './lib/stats';

const ROOT = resolve(__dirname, '..');

function number(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min} (got ${JSON.stringify(raw)})`);
  return value;
}

const QUICK = process.env.BENCH_QUICK === '1';
const POSTGRES = usingPostgres();
const ITEMS = Math.round(number('BENCH_WORK_ITEMS', QUICK ? 200 : 2000, 1));
const ROUNDS = Math.round(number('BENCH_ROUNDS', QUICK ? 1 : 3, 1));
const LATENCY_ITEMS = Math.round(number('BENCH_LATENCY_ITEMS', QUICK ? 40 : 200, 1));
const ENQUEUE_RATE = number('BENCH_ENQUEUE_RATE', 5, 0.1);
const LATENCY_WARMUP = 10;
const PREFILL_CONNECTIONS = 16;
const CROSS_INSTANCE = POSTGRES && process.env.BENCH_CROSS_INSTANCE !== '0';
const WORKERS = (process.env.BENCH_WORKERS ?? '1,4,16').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_WORKERS must be comma-separated positive integers (got ${JSON.stringify(process.env.BENCH_WORKERS)})`);
  return n;
});
const API_KEY = `sk-sb-bench-work-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

// ---------------------------------------------------------------- HTTP

interface Answer<T> {
  status: number;
  body: T;
  ms: number;
}

/** One call; every credential is sent as `Authorization: Bearer` (as the SDK's poller does). */
async function call<T>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  credential: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const sent = performance.now();
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${credential}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const ms = performance.now() - sent;
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: kept as text for the error message */
  }
  return { status: response.status, body: parsed as T, ms };
}

async function ok<T>(what: string, answer: Promise<Answer<T>>): Promise<Answer<T>> {
  const a = await answer;
  if (a.status !== 200) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
  return a;
}

interface WorkItem {
  type: 'work';
  id: string;
  state: string;
  secret: string | null;
}

interface Queue {
  environmentId: string;
  environmentKey: string;
}

let environments = 0;

/** A new self-hosted environment and an environment key for it. */
async function newQueue(baseUrl: string, label: string): Promise<Queue> {
  const env = await ok(
    'create environment',
    call<{ id: string }>(baseUrl, 'POST', '/v1/environments', API_KEY, {
      name: `bench-work-${label}-${++environments}-${Date.now()}`,
      config: { type: 'self_hosted' },
    }),
  );
  const key = await ok(
    'create environment key',
    call<{ key: string }>(baseUrl, 'POST', `/v1/environments/${env.body.id}/keys`, API_KEY, { name: `bench ${label}` }),
  );
  return { environmentId: env.body.id, environmentKey: key.body.key };
}

const workPath = (q: Queue, rest = '') => `/v1/environments/${q.environmentId}/work${rest}`;

function enqueue(baseUrl: string, q: Queue, n: number): Promise<Answer<WorkItem>> {
  return ok('enqueue', call<WorkItem>(baseUrl, 'POST', workPath(q), API_KEY, { data: { type: 'session', id: `session_bench_${n}` } }));
}

function poll(baseUrl: string, q: Queue, workerId: string, blockMs: number | null): Promise<Answer<WorkItem | null>> {
  const query = blockMs === null ? '' : `?block_ms=${blockMs}`;
  return ok('poll', call<WorkItem | null>(baseUrl, 'GET', workPath(q, `/poll${query}`), q.environmentKey, undefined, { 'anthropic-worker-id': workerId }));
}

const ack = (baseUrl: string, q: Queue, id: string) => call<WorkItem>(baseUrl, 'POST', workPath(q, `/${id}/ack`), q.environmentKey);
const stop = (baseUrl: string, q: Queue, id: string) => call<WorkItem>(baseUrl, 'POST', workPath(q, `/${id}/stop`), q.environmentKey, {});

interface Stats {
  depth: number;
  pending: number;
  workers_polling: number | null;
}
const stats = (baseUrl: string, q: Queue) => ok('stats', call<Stats>(baseUrl, 'GET', workPath(q, '/stats'), API_KEY));

// ---------------------------------------------------------------- latency

interface LatencyResult {
  label: string;
  items: number;
  ratePerSecond: number;
  /** Poll answer minus enqueue answer (can be below 0: a woken poll may answer first). */
  fromAnswer: { p50: number; p99: number; min: number; max: number };
  /** Poll answer minus the moment the enqueue was sent. */
  fromSent: { p50: number; p99: number };
  enqueueP50: number;
  emptyPolls: number;
  duplicates: number;
  missing: number;
  failedCalls: number;
}

function summary(values: number[]): { p50: number; p99: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
}

/** Items enqueued on `enqueueUrl` at a steady rate while one worker long-polls `pollUrl`. */
async function latency(label: string, enqueueUrl: string, pollUrl: string): Promise<LatencyResult> {
  const q = await newQueue(enqueueUrl, 'latency');
  const total = LATENCY_WARMUP + LATENCY_ITEMS;
  const enqueued = new Map<string, { n: number; sent: number; answered: number; ms: number }>();
  const received = new Map<string, number>();
  const finishing: Promise<void>[] = [];
  let duplicates = 0;
  let emptyPolls = 0;
  let failedCalls = 0;
  let polling = true;

  const poller = (async () => {
    while (polling) {
      const answer = await poll(pollUrl, q, 'bench-latency', 999);
      const at = performance.now();
      const item = answer.body;
      if (!item) {
        emptyPolls++;
        continue;
      }
      if (received.has(item.id)) duplicates++;
      else received.set(item.id, at);
      // Off the poll loop: the worker is back in a poll at once.
      finishing.push(
        (async () => {
          const a = await ack(pollUrl, q, item.id);
          if (a.status !== 200) return void failedCalls++;
          const s = await stop(pollUrl, q, item.id);
          if (s.status !== 200) failedCalls++;
        })().catch(() => void failedCalls++),
      );
    }
  })();

  const interval = 1000 / ENQUEUE_RATE;
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    const due = start + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    const answer = await enqueue(enqueueUrl, q, n);
    enqueued.set(answer.body.id, { n, sent, answered: performance.now(), ms: answer.ms });
  }
  const deadline = performance.now() + 10_000;
  while (received.size < total && performance.now() < deadline) await sleep(20);
  polling = false;
  await poller;
  await Promise.all(finishing);

  const fromAnswer: number[] = [];
  const fromSent: number[] = [];
  const enqueueMs: number[] = [];
  let missing = 0;
  for (const [id, e] of enqueued) {
    if (e.n < LATENCY_WARMUP) continue;
    const at = received.get(id);
    if (at === undefined) {
      missing++;
      continue;
    }
    fromAnswer.push(at - e.answered);
    fromSent.push(at - e.sent);
    enqueueMs.push(e.ms);
  }
  const s = summary(fromSent);
  return {
    label,
    items: fromAnswer.length,
    ratePerSecond: ENQUEUE_RATE,
    fromAnswer: summary(fromAnswer),
    fromSent: { p50: s.p50, p99: s.p99 },
    enqueueP50: median(enqueueMs),
    emptyPolls,
    duplicates,
    missing,
    failedCalls,
  };
}

// ---------------------------------------------------------------- throughput

interface ThroughputRound {
  workers: number;
  items: number;
  enqueuePerSecond: number;
  itemsPerSecond: number;
  seconds: number;
  pollP50: number;
  ackP50: number;
  stopP50: number;
  processed: number;
  duplicates: number;
  /** Polls answered `null` while more items were unclaimed than other workers could have had in flight. */
  earlyEmpty: number;
  failedCalls: number;
  /** The states the stop answers carried. */
  stopStates: Record<string, number>;
  /** Queue depth and pending after the drain (both should be 0). */
  after: { depth: number; pending: number; workers_polling: number | null };
}

async function prefill(baseUrl: string, q: Queue, items: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(PREFILL_CONNECTIONS, items) }, async () => {
      while (next < items) await enqueue(baseUrl, q, next++);
    }),
  );
  return items / ((performance.now() - started) / 1000);
}

async function throughput(baseUrl: string, workers: number): Promise<ThroughputRound> {
  const q = await newQueue(baseUrl, `drain-${workers}`);
  const enqueuePerSecond = await prefill(baseUrl, q, ITEMS);
  const seen = new Set<string>();
  const pollMs: number[] = [];
  const ackMs: number[] = [];
  const stopMs: number[] = [];
  const stopStates: Record<string, number> = {};
  let processed = 0;
  let duplicates = 0;
  let failedCalls = 0;

  let earlyEmpty = 0;
  let lastClaim = performance.now();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (;;) {
        const p = await poll(baseUrl, q, `bench-worker-${w}`, null);
        pollMs.push(p.ms);
        const item = p.body;
        if (!item) {
          // Empty: done once every item was handed out. While items are left, the worker polls again
          // (until nothing moved for 30 s). At most workers - 1 claims of other workers can be in
          // flight, so with more items left than that, some item was unclaimed when this poll looked
          // (no reclaim happens within 5 s): a `null` it should not have got (WorkPoller with
          // `drain: true` would have ended there).
          if (seen.size >= ITEMS || performance.now() - lastClaim > 30_000) return;
          if (ITEMS - seen.size > workers - 1) earlyEmpty++;
          await sleep(1);
          continue;
        }
        lastClaim = performance.now();
        if (seen.has(item.id)) duplicates++;
        seen.add(item.id);
        const a = await ack(baseUrl, q, item.id);
        ackMs.push(a.ms);
        if (a.status !== 200) {
          failedCalls++;
          continue;
        }
        const s = await stop(baseUrl, q, item.id);
        stopMs.push(s.ms);
        if (s.status !== 200) {
          failedCalls++;
          continue;
        }
        stopStates[s.body.state] = (stopStates[s.body.state] ?? 0) + 1;
        processed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = (await stats(baseUrl, q)).body;
  return {
    workers,
    items: ITEMS,
    enqueuePerSecond,
    itemsPerSecond: processed / seconds,
    seconds,
    pollP50: median(pollMs),
    ackP50: median(ackMs),
    stopP50: median(stopMs),
    processed,
    duplicates,
    earlyEmpty,
    failedCalls,
    stopStates,
    after: { depth: after.depth, pending: after.pending, workers_polling: after.workers_polling },
  };
}

// ---------------------------------------------------------------- run


function start(databaseUrl: string): Promise<ServiceProcess> {
  return startServiceProcess({ DATABASE_URL: databaseUrl, SANDBASE_BOOTSTRAP_API_KEY: API_KEY, LOG_LEVEL: 'error' }, 300_000);
}

function printLatency(r: LatencyResult): void {
  const flags = [r.missing && `${r.missing} MISSING`, r.duplicates && `${r.duplicates} delivered twice`, r.failedCalls && `${r.failedCalls} FAILED calls`]
    .filter(Boolean)
    .join(', ');
  console.log(
    `  ${r.label.padEnd(15)} ${String(r.items).padStart(5)} items  from enqueue answer p50 ${millis(r.fromAnswer.p50).padStart(6)} ms  p99 ${millis(r.fromAnswer.p99).padStart(6)} ms` +
      `  (min ${millis(r.fromAnswer.min)}, max ${millis(r.fromAnswer.max)})  from enqueue sent p50 ${millis(r.fromSent.p50)} / p99 ${millis(r.fromSent.p99)} ms` +
      `  enqueue p50 ${millis(r.enqueueP50)} ms${flags ? `  ${flags}` : ''}`,
  );
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const database = await createTestDatabase();
  const label = POSTGRES ? 'postgres' : 'sqlite';
  console.log(
    `work queue on ${label}${QUICK ? ' (BENCH_QUICK)' : ''}: ${LATENCY_ITEMS} latency samples at ${ENQUEUE_RATE}/s; ` +
      `${ITEMS} items drained by ${WORKERS.join(', ')} worker(s), ${ROUNDS} round(s)`,
  );
  const services: ServiceProcess[] = [];
  const latencies: LatencyResult[] = [];
  const rounds: ThroughputRound[] = [];
  try {
    const first = await start(database.url);
    services.push(first);
    const lat = await latency('same instance', first.baseUrl, first.baseUrl);
    latencies.push(lat);
    printLatency(lat);
    if (CROSS_INSTANCE) {
      const second = await start(database.url);
      services.push(second);
      const cross = await latency('cross-instance', first.baseUrl, second.baseUrl);
      latencies.push(cross);
      printLatency(cross);
      await second.stop();
      services.pop();
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const workers of WORKERS) {
        const result = await throughput(first.baseUrl, workers);
        rounds.push(result);
        const bad = result.processed !== ITEMS || result.after.depth !== 0 || result.after.pending !== 0 || result.failedCalls > 0;
        console.log(
          `  round ${r + 1}, ${String(workers).padStart(2)} worker(s): ${fixed(result.itemsPerSecond)} items/s (${result.seconds.toFixed(1)} s), ` +
            `enqueue ${fixed(result.enqueuePerSecond)}/s, stop -> ${JSON.stringify(result.stopStates)}, null polls with items unclaimed ${result.earlyEmpty}` +
            (bad ? `  SUSPECT: processed ${result.processed}/${ITEMS}, failed ${result.failedCalls}, after ${JSON.stringify(result.after)}` : ''),
        );
      }
    }
  } finally {
    for (const service of services) await service.stop();
    await database.drop();
  }

  console.log(`\nenqueue-to-claim latency, one worker long-polling (block_ms=999), ${ENQUEUE_RATE} enqueues/s, one at a time (${label})`);
  console.log('| poller on | items | p50 | p99 | max | p50 from enqueue sent | p99 from enqueue sent | delivered twice | missing |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of latencies) {
    console.log(
      `| ${r.label} | ${r.items} | ${millis(r.fromAnswer.p50)} ms | ${millis(r.fromAnswer.p99)} ms | ${millis(r.fromAnswer.max)} ms | ` +
        `${millis(r.fromSent.p50)} ms | ${millis(r.fromSent.p99)} ms | ${r.duplicates} | ${r.missing} |`,
    );
  }
  console.log(`\npoll + ack + stop, ${ITEMS} items pre-filled, median of ${ROUNDS} round(s) (${label})`);
  console.log('| workers | items/s | poll p50 | ack p50 | stop p50 | enqueue/s (16 clients) | delivered twice | null polls with items unclaimed | failed calls |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const summaryRows = WORKERS.map((workers) => {
    const mine = rounds.filter((r) => r.workers === workers);
    const row = {
      workers,
      itemsPerSecond: median(mine.map((r) => r.itemsPerSecond)),
      pollP50: median(mine.map((r) => r.pollP50)),
      ackP50: median(mine.map((r) => r.ackP50)),
      stopP50: median(mine.map((r) => r.stopP50)),
      enqueuePerSecond: median(mine.map((r) => r.enqueuePerSecond)),
      duplicates: mine.reduce((sum, r) => sum + r.duplicates, 0),
      earlyEmpty: mine.reduce((sum, r) => sum + r.earlyEmpty, 0),
      failedCalls: mine.reduce((sum, r) => sum + r.failedCalls, 0),
    };
    console.log(
      `| ${workers} | ${fixed(row.itemsPerSecond)} | ${millis(row.pollP50)} ms | ${millis(row.ackP50)} ms | ${millis(row.stopP50)} ms | ` +
        `${fixed(row.enqueuePerSecond)} | ${row.duplicates} | ${row.earlyEmpty} | ${row.failedCalls} |`,
    );
    return row;
  });
  console.log(`\nload average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `work-queue-${startedAt.toISOString().replace(/[:.]/g, '-')}-${label}${QUICK ? '-quick' : ''}.json`);
  const results = {
    benchmark: 'work-queue',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    database: label,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavgAtEnd: loadavg(), commit: gitDescription() },
    options: { quick: QUICK, items: ITEMS, workers: WORKERS, rounds: ROUNDS, latencyItems: LATENCY_ITEMS, enqueueRate: ENQUEUE_RATE, crossInstance: CROSS_INSTANCE },
    latency: latencies,
    throughput: { summary: summaryRows, rounds },
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
