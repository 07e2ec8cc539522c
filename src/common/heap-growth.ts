import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its old generation grow past what the last full garbage
 * collection kept, in percent (`--heap-growing-percent`). Left to itself V8
 * picks 10% to 300% from how fast it collects, and under a steady write load
 * it picks high: the service's peak RSS went from about 160 to about 215 MiB
 * (BENCHMARKS.md, "Memory"). 0 leaves V8's own choice.
 *
 * V8 reads this flag each time it sets the next collection's limit, so it
 * takes effect when set at start-up, before the load, without a command-line
 * flag (which `node dist/src/main.js` would not carry).
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
