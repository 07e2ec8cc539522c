/**
 * `projections rebuild` and `verify` throughput in events per second, on a
 * log written quickly: the same mix of commands as the `rebuild` scenario of
 * `npm run bench` (creates, updates of packages, metadata and networking, archives,
 * deletes), each decided, appended (hash-chained) and projected exactly as
 * the command path does, but many commands per transaction, so a log of
 * 100,000+ events is written in seconds. Prints the rebuild's and verify's
 * rates and checks that verify finds the rebuilt tables equal to the live
 * ones.
 * Run: npx ts-node --transpile-only bench/rebuild-throughput.bench.ts
 *      (BENCH_EVENTS=100000 by default; DATABASE_URL=postgres://... for PostgreSQL)
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { newEnvironmentId, newEventId } from '../src/common/ids';
import { Database } from '../src/database/database';
import { DeciderState, decide, EnvironmentCommand } from '../src/environments/domain/decider';
import { EVENT_SCHEMA_VERSION, streamIdFor } from '../src/environments/domain/events';
import { projectEvents } from '../src/environments/projections/environment.projector';
import { appendToStream, metadataFor } from '../src/event-store/event-store';
import { rebuildProjections, verifyProjections } from '../src/projections';
import { createTestDatabase } from '../test/support/database';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PER_TRANSACTION = 2_000;

type Unstamped = EnvironmentCommand extends infer C ? (C extends unknown ? Omit<C, 'metadata'> : never) : never;

/** The commands of the mix, in order: environment n is created, updated six times, then every fourth archived or deleted. */
function* commands(): Generator<{ org: number; command: Unstamped }> {
  for (let n = 0; ; n++) {
    const id = newEnvironmentId();
    const org = n % 5;
    yield { org, command: { type: 'CreateEnvironment', data: { environment_id: id, organization_id: `org_${org}`, input: { name: `env-${n}`, metadata: { team: 'ml' } } } } };
    for (let u = 0; u < 6; u++) {
      yield {
        org,
        command: {
          type: 'UpdateEnvironment',
          data: {
            environment_id: id,
            input: {
              description: `revision ${u}`,
              metadata: { [`k${u}`]: String(u) },
              config: {
                type: 'cloud',
                packages: { pip: [`pkg-${u}`] },
                networking: u % 2 ? { type: 'limited', allowed_hosts: ['api.example.com'], allow_package_managers: true } : null,
              },
            },
          },
        },
      };
    }
    if (n % 4 === 0) yield { org, command: { type: n % 8 === 0 ? 'DeleteEnvironment' : 'ArchiveEnvironment', data: { environment_id: id } } };
  }
}

async function writeLog(db: Database): Promise<number> {
  const states = new Map<string, DeciderState>();
  const source = commands();
  let written = 0;
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  while (written < EVENTS) {
    await db.transaction(async (tx) => {
      for (let i = 0; i < PER_TRANSACTION && written < EVENTS; i++) {
        const { org, command: unstamped } = source.next().value!;
        const now = new Date(base + written).toISOString();
        const command = { ...unstamped, metadata: { now } } as EnvironmentCommand;
        const id = command.data.environment_id;
        const state = states.get(id) ?? null;
        const events = decide(command, state);
        const context = { actor: { type: 'api_actor' as const, api_key_id: `apikey_${org}` }, requestId: `req_${written}` };
        const stored = await appendToStream(
          tx,
          streamIdFor(id),
          state?.version ?? 0,
          events.map((event) => ({ event_id: newEventId(), event })),
          metadataFor(`org_${org}`, context, EVENT_SCHEMA_VERSION),
          now,
        );
        const after = await projectEvents(tx, stored, state);
        if (after) states.set(id, after);
        else states.delete(id);
        written += stored.length;
      }
    });
  }
  return written;
}

/** A progress line on stderr, rewritten in place, as the CLI shows it. */
function progress(label: string): (done: number, total: number) => void {
  const started = performance.now();
  return (done, total) => {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`\r${label}: ${done}/${total} events, ${Math.round(done / Math.max(seconds, 1e-3))}/s   `);
    if (done === total) process.stderr.write('\n');
  };
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const db = await Database.open(database.config, { migrate: true });
  try {
    let started = performance.now();
    const written = await writeLog(db);
    console.log(`${db.label}: wrote ${written} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    const report = await rebuildProjections(db, { onProgress: progress('rebuild') });
    const rebuildSeconds = (performance.now() - started) / 1000;
    console.log(
      `rebuild: ${report.events} events in ${rebuildSeconds.toFixed(2)} s = ${Math.round(report.events / rebuildSeconds)} events/s ` +
        `(${report.environments} environments, ${report.versions} versions)`,
    );
    started = performance.now();
    const verify = await verifyProjections(db, 50, { onProgress: progress('verify') });
    const verifySeconds = (performance.now() - started) / 1000;
    console.log(
      `verify: ${verify.events} events, ${verify.rows_compared} rows compared in ${verifySeconds.toFixed(2)} s = ` +
        `${Math.round(verify.events / verifySeconds)} events/s; ${verify.differences.length === 0 ? 'clean' : `${verify.differences.length} differences`}`,
    );
    if (verify.differences.length) process.exitCode = 1;
  } finally {
    await db.close();
    await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
