/**
 * The load generator: autocannon, driven programmatically. Latencies are
 * taken from its per-response event at full resolution (its own histogram
 * counts whole milliseconds, too coarse for a request at one connection).
 */
import { quantile } from './stats';

const autocannon = require('autocannon') as (options: Record<string, unknown>) => AutocannonInstance;

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** One request as autocannon sends it. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: string;
}

export interface LoadOptions {
  url: string;
  apiKey: string;
  connections: number;
  /** Seconds; or `amount` requests, whichever is given. */
  duration?: number;
  amount?: number;
  /** Called for every request: what to send. */
  next: () => HttpRequest;
  /** Called with each response body (only when given: reading bodies costs the generator time). */
  onBody?: (status: number, body: string) => void;
}

export interface LoadResult {
  requests: number;
  ok: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failed: number;
  /** The first connection error or timeout, if any. */
  firstError?: string;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const url = new URL(options.url);
  const request: Record<string, unknown> = {
    setupRequest: (defaults: Record<string, unknown>) => {
      const next = options.next();
      return { ...defaults, method: next.method, path: next.path, body: next.body ?? '' };
    },
  };
  if (options.onBody) request.onResponse = (status: number, body: string) => options.onBody!(status, body);
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: url.origin,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration }),
    headers: { 'x-api-key': options.apiKey, 'content-type': 'application/json' },
    requests: [request],
    timeout: 30,
  });
  let ok = 0;
  let bad = 0;
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) {
      ok++;
      latencies.push(ms);
    } else {
      bad++;
    }
  });
  let firstError: string | undefined;
  instance.on('reqError', (error) => void (firstError ??= error.message));
  const result = await instance;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    requests: ok + bad,
    ok,
    failed: bad + result.errors + result.timeouts,
    firstError,
    seconds,
    rps: ok / seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: latencies.length ? sum / latencies.length : NaN,
  };
}
