import { performance } from 'node:perf_hooks';
import { createTestDatabase, TestDatabase } from '../test/support/database';
import { Database } from '../src/database/database';

/** A fresh database (SQLite file, or PostgreSQL when DATABASE_URL=postgres://...), migrated. */
export async function benchDatabase(): Promise<{ db: Database; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const db = await Database.open(database.config, { migrate: true });
  return { db, database, close: async () => (await db.close(), await database.drop()) };
}

/** Median and p95 of `runs` timed calls, after `warmup` untimed ones. */
export async function measure(fn: () => Promise<unknown>, runs = 50, warmup = 5): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], p95: times[Math.floor(runs * 0.95)] };
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}
