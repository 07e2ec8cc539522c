/**
 * The cost of a write must not grow with the environment's history: an
 * update of an environment with 10,000 versions against one of a fresh
 * environment, each through the real command path (one transaction and one
 * commit per update), interleaved so that both see the same machine. The
 * long history is written quickly (the command path's steps, many commands
 * per transaction). Prints p50 of each and the ratio.
 * Run: npx ts-node --transpile-only bench/update-long-history.bench.ts
 *      (BENCH_VERSIONS=10000, BENCH_ROUNDS=300 by default; DATABASE_URL=postgres://... for PostgreSQL)
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../src/common/clock';
import { newEnvironmentId, newEventId } from '../src/common/ids';
import { Database } from '../src/database/database';
import { decide, EnvironmentCommand } from '../src/environments/domain/decider';
import type { EnvironmentState } from '../src/environments/domain/environment';
import { EVENT_SCHEMA_VERSION, streamIdFor } from '../src/environments/domain/events';
import { EnvironmentRetirementHooks } from '../src/environments/commands/environment-retirement';
import { EnvironmentCommandExecutor } from '../src/environments/commands/environment-command.executor';
import { projectEvents } from '../src/environments/projections/environment.projector';
import { appendToStream, metadataFor } from '../src/event-store/event-store';
import { createTestDatabase } from '../test/support/database';

const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const ORG = 'org_bench';
const context = { organizationId: ORG, actor: { type: 'api_actor' as const, api_key_id: 'apikey_bench' }, requestId: null };

/** Grows `id`'s history to VERSIONS versions, 2,000 updates per transaction. */
async function grow(db: Database, state: EnvironmentState): Promise<void> {
  let current: EnvironmentState | null = state;
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  while (current!.version < VERSIONS) {
    await db.transaction(async (tx) => {
      for (let i = 0; i < 2000 && current!.version < VERSIONS; i++) {
        const command: EnvironmentCommand = {
          type: 'UpdateEnvironment',
          data: { environment_id: current!.id, input: { metadata: { revision: String(current!.version) } } },
          metadata: { now: new Date(clock++).toISOString() },
        };
        const events = decide(command, current);
        const stored = await appendToStream(
          tx,
          streamIdFor(current!.id),
          current!.version,
          events.map((event) => ({ event_id: newEventId(), event })),
          metadataFor(ORG, context, EVENT_SCHEMA_VERSION),
          command.metadata.now,
        );
        current = (await projectEvents(tx, stored, current)) as EnvironmentState;
      }
    });
  }
}

function p50(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const db = await Database.open(database.config, { migrate: true });
  try {
    const executor = new EnvironmentCommandExecutor(db, new SystemClock(), new EnvironmentRetirementHooks());
    const create = (name: string) =>
      executor.execute({ type: 'CreateEnvironment', data: { environment_id: newEnvironmentId(), organization_id: ORG, input: { name } } }, context);
    const long = await create('long-history');
    const started = performance.now();
    await grow(db, long);
    console.log(`${db.label}: ${VERSIONS} versions written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const fresh = await create('fresh');
    let n = 0;
    const update = async (id: string) => {
      const start = performance.now();
      await executor.execute({ type: 'UpdateEnvironment', data: { environment_id: id, input: { metadata: { revision: `r${n++}` } } } }, context);
      return performance.now() - start;
    };
    for (let i = 0; i < 20; i++) (await update(long.id), await update(fresh.id));
    const longTimes: number[] = [];
    const freshTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which goes first, so neither always follows the other's commit.
      if (i % 2) (longTimes.push(await update(long.id)), freshTimes.push(await update(fresh.id)));
      else (freshTimes.push(await update(fresh.id)), longTimes.push(await update(long.id)));
    }
    const [a, b] = [p50(freshTimes), p50(longTimes)];
    console.log(`update p50: fresh environment ${a.toFixed(3)} ms, ${VERSIONS}-version environment ${b.toFixed(3)} ms, ratio ${(b / a).toFixed(2)}x`);
  } finally {
    await db.close();
    await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
