/**
 * Creates per second over HTTP on SQLite, with many concurrent clients: what
 * group commit buys. Each round starts the service as its own process on a
 * fresh SQLite file, warms it up, then keeps BENCH_CONCURRENCY requests in
 * flight until BENCH_REQUESTS creates were answered, and prints req/s, p50
 * and p99.
 *
 * BENCH_ROOTS (comma-separated checkouts, default this one) compares
 * checkouts in one run, alternating them round by round; the last column is
 * each one's median req/s over the first's. For example, against the code
 * before a change:
 *   git archive <commit> | tar -x -C /tmp/before && ln -s $PWD/node_modules /tmp/before/
 *   BENCH_ROOTS=/tmp/before,$PWD npx ts-node --transpile-only bench/group-commit.bench.ts
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '../test/support/database';
import { startServiceProcess } from '../test/support/service-process';

const ROOTS = (process.env.BENCH_ROOTS ?? resolve(__dirname, '..')).split(',').map((root) => resolve(root));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = 300;
const API_KEY = 'sk-sb-benchmark0123456789abcdef';

interface Round {
  perSecond: number;
  p50: number;
  p99: number;
}

async function creates(baseUrl: string, total: number, concurrency: number, prefix: string): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  async function client(): Promise<void> {
    while (next < total) {
      const n = next++;
      const sent = performance.now();
      const response = await fetch(`${baseUrl}/v1/environments`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `${prefix}-${n}` }),
      });
      await response.text();
      if (response.status !== 200) throw new Error(`create answered ${response.status}`);
      latencies.push(performance.now() - sent);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))];
  return { perSecond: total / seconds, p50: at(0.5), p99: at(0.99) };
}

async function round(root: string): Promise<Round> {
  const database = await createTestDatabase({ forceSqlite: true });
  const service = await startServiceProcess({ DATABASE_URL: database.url, SANDBASE_BOOTSTRAP_API_KEY: API_KEY, LOG_LEVEL: 'error' }, 300_000, root);
  try {
    await creates(service.baseUrl, WARMUP, CONCURRENCY, 'warmup');
    return await creates(service.baseUrl, REQUESTS, CONCURRENCY, 'bench');
  } finally {
    await service.stop();
    await database.drop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const results = new Map<string, Round[]>(ROOTS.map((root) => [root, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const root of ROOTS) {
      const result = await round(root);
      results.get(root)!.push(result);
      console.log(`round ${r + 1} ${root}: ${result.perSecond.toFixed(0)} req/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
    }
  }
  const base = median(results.get(ROOTS[0])!.map((x) => x.perSecond));
  console.log(`\ncreates, ${CONCURRENCY} concurrent clients, ${REQUESTS} requests, median of ${ROUNDS} rounds`);
  for (const [root, rounds] of results) {
    const perSecond = median(rounds.map((x) => x.perSecond));
    const p50 = median(rounds.map((x) => x.p50));
    const p99 = median(rounds.map((x) => x.p99));
    console.log(`${root}\t${perSecond.toFixed(0)} req/s\tp50 ${p50.toFixed(1)} ms\tp99 ${p99.toFixed(1)} ms\t${(perSecond / base).toFixed(2)}x`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
