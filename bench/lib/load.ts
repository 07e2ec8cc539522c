/**
 * The load generator: autocannon, driven programmatically. Latencies are
 * taken from its per-response event at full resolution (its own histogram
 * counts whole milliseconds, too coarse for a request at one connection).
 */
import { quantile } from './stats';

const autocannon = require('autocannon') as (options: Record<string, unknown>) => AutocannonInstance;

interface AutocannonInstance extends PromiseLike<unknown> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
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
  /** Seconds measured; or `amount` requests, whichever is given. */
  duration?: number;
  amount?: number;
  /**
   * Seconds of load before the measured window, in the same run (so that no
   * request abandoned by a separate warm-up run is still queued in the server).
   */
  warmup?: number;
  /** Called when the measured window opens. */
  onWindowStart?: () => void;
  /** Called for every request: what to send. */
  next: () => HttpRequest;
  /** Called with each response body (only when given: reading bodies costs the generator time). */
  onBody?: (status: number, body: string) => void;
}

export interface LoadResult {
  requests: number;
  ok: number;
  /** Non-2xx answers, connection errors and timeouts in the measured window. */
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
  const warmup = options.amount === undefined ? (options.warmup ?? 0) : 0;
  const instance = autocannon({
    url: url.origin,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: warmup + options.duration! }),
    headers: { 'x-api-key': options.apiKey, 'content-type': 'application/json' },
    requests: [request],
    timeout: 30,
  });
  let measuring = warmup === 0;
  let started = process.hrtime.bigint();
  options.onWindowStart?.();
  const timer = measuring
    ? undefined
    : setTimeout(() => {
        measuring = true;
        started = process.hrtime.bigint();
        options.onWindowStart?.();
      }, warmup * 1000);
  let ok = 0;
  let bad = 0;
  let firstError: string | undefined;
  instance.on('response', (_client, status, _bytes, ms) => {
    if (!measuring) return;
    if (status >= 200 && status < 300) {
      ok++;
      latencies.push(ms);
    } else {
      bad++;
    }
  });
  instance.on('reqError', (error) => {
    if (!measuring) return;
    bad++;
    firstError ??= error.message;
  });
  await instance;
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    requests: ok + bad,
    ok,
    failed: bad,
    firstError,
    seconds,
    rps: ok / seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: latencies.length ? sum / latencies.length : NaN,
  };
}
