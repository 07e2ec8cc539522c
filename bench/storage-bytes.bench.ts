/**
 * Database bytes per environment and per version on SQLite: N environments
 * created (one version each) through the command path's steps (decide,
 * append hash-chained, project), then one environment updated M times; the
 * database's size per environment and per extra version, with the share of
 * each table and index (SQLite's dbstat), against a bare reference: a table
 * holding the same row and one event row carrying the same JSON.
 * Run: npx ts-node --transpile-only bench/storage-bytes.bench.ts
 *      (BENCH_ENVIRONMENTS=100000, BENCH_VERSIONS=10000 by default;
 *      BENCH_PAGE_SIZE=8192 creates both databases with that page size)
 */
import 'reflect-metadata';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEnvironmentId, newEventId } from '../src/common/ids';
import { parseDatabaseUrl } from '../src/config/config';
import { Database } from '../src/database/database';
import { DeciderState, decide, EnvironmentCommand } from '../src/environments/domain/decider';
import { EVENT_SCHEMA_VERSION, streamIdFor } from '../src/environments/domain/events';
import { projectEvents } from '../src/environments/projections/environment.projector';
import { presentEnvironment } from '../src/environments/resources/environment.resource';
import { GetEnvironmentHandler } from '../src/environments/queries/get-environment/get-environment.handler';
import { GetEnvironmentQuery } from '../src/environments/queries/get-environment/get-environment.query';
import { ListEnvironmentVersionsHandler } from '../src/environments/queries/list-environment-versions/list-environment-versions.handler';
import { ListEnvironmentVersionsQuery } from '../src/environments/queries/list-environment-versions/list-environment-versions.query';
import { appendToStream, metadataFor } from '../src/event-store/event-store';

const ENVIRONMENTS = Number(process.env.BENCH_ENVIRONMENTS ?? 100_000);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10_000);
const ORG = 'org_0123456789abcdefghijklmn';
const KEY = 'apikey_0123456789abcdefghijklmn';
const PAGE_SIZE = process.env.BENCH_PAGE_SIZE ? Number(process.env.BENCH_PAGE_SIZE) : null;

/** A new database file, with BENCH_PAGE_SIZE when given (a page size holds from the first table on). */
function newFile(file: string): BetterSqlite3.Database {
  const handle = new BetterSqlite3(file);
  if (PAGE_SIZE) handle.pragma(`page_size = ${PAGE_SIZE}`);
  handle.pragma('journal_mode = WAL');
  return handle;
}

type Unstamped = EnvironmentCommand extends infer C ? (C extends unknown ? Omit<C, 'metadata'> : never) : never;

/** A create as a typical client sends it. */
function createInput(n: number) {
  return {
    name: `environment-${n}`,
    description: 'a benchmark environment',
    config: { type: 'cloud' as const, networking: { type: 'unrestricted' as const }, packages: { pip: ['numpy', 'pandas'] } },
    metadata: { team: 'ml', owner: `user-${n % 100}` },
  };
}

async function run(db: Database, commands: Iterable<Unstamped>, states: Map<string, DeciderState>): Promise<void> {
  const list = [...commands];
  let clock = Date.parse('2026-01-01T00:00:00.000Z') + states.size * 1000;
  for (let start = 0; start < list.length; start += 2000) {
    await db.transaction(async (tx) => {
      for (const unstamped of list.slice(start, start + 2000)) {
        const now = new Date(clock++).toISOString();
        const command = { ...unstamped, metadata: { now } } as EnvironmentCommand;
        const id = command.data.environment_id;
        const state = states.get(id) ?? null;
        const events = decide(command, state);
        const context = {
          actor: { type: 'api_actor' as const, api_key_id: KEY },
          requestId: `req_${newEventId()}`,
          source: { ip_address: '203.0.113.7', user_agent: 'bench/1.0' },
        };
        const stored = await appendToStream(
          tx,
          streamIdFor(id),
          state?.version ?? 0,
          events.map((event) => ({ event_id: newEventId(), event })),
          metadataFor(ORG, context, EVENT_SCHEMA_VERSION),
          now,
        );
        states.set(id, await projectEvents(tx, stored, state));
      }
    });
  }
}

function size(file: string): { bytes: number; objects: Map<string, number> } {
  const handle = new BetterSqlite3(file);
  handle.pragma('wal_checkpoint(TRUNCATE)');
  const pages = handle.pragma('page_count', { simple: true }) as number;
  const pageSize = handle.pragma('page_size', { simple: true }) as number;
  const objects = new Map<string, number>();
  for (const row of handle.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[]) {
    objects.set(row.name, row.bytes);
  }
  handle.close();
  return { bytes: pages * pageSize, objects };
}

/** The bare reference: the environment row, and one event row carrying the same JSON. */
function reference(dir: string, rows: ReturnType<typeof presentEnvironment>[]): number {
  const file = join(dir, 'reference.sqlite');
  const handle = newFile(file);
  handle.exec(`CREATE TABLE environments (id TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE events (position INTEGER PRIMARY KEY, environment_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, recorded_at TEXT NOT NULL)`);
  const insertRow = handle.prepare('INSERT INTO environments VALUES (?, ?)');
  const insertEvent = handle.prepare('INSERT INTO events (environment_id, type, data, recorded_at) VALUES (?, ?, ?, ?)');
  handle.transaction(() => {
    for (const row of rows) {
      const json = JSON.stringify(row);
      insertRow.run(row.id, json);
      insertEvent.run(row.id, 'created', json, row.created_at);
    }
  })();
  handle.close();
  return size(file).bytes;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;

/** Median time of `read` over `runs` calls (after 50 untimed ones), in microseconds. */
async function medianMicros(runs: number, read: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await read(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await read(i);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** The reads the history's layout serves, through their query handlers: `?version=N`, a page of versions, org-wide and per environment. */
async function timeReads(db: Database, hot: string, others: string[]): Promise<void> {
  const get = new GetEnvironmentHandler(db);
  const list = new ListEnvironmentVersionsHandler(db);
  const asOf = await medianMicros(2000, (i) => get.execute(new GetEnvironmentQuery(ORG, hot, 1 + ((i * 7919) % (VERSIONS - 1)))));
  const page = await medianMicros(500, () => list.execute(new ListEnvironmentVersionsQuery(ORG, { environmentId: hot, beforeVersion: null }, 100)));
  const orgPage = await medianMicros(500, () => list.execute(new ListEnvironmentVersionsQuery(ORG, { filters: {}, after: null }, 100)));
  const single = await medianMicros(2000, (i) =>
    list.execute(new ListEnvironmentVersionsQuery(ORG, { environmentId: others[(i * 7919) % others.length], beforeVersion: null }, 10)),
  );
  console.log(`reads (median): ?version=N ${asOf.toFixed(0)} µs; a page of 100 versions of one environment ${page.toFixed(0)} µs;`);
  console.log(`  the organization's newest 100 ${orgPage.toFixed(0)} µs; the history of a one-version environment ${single.toFixed(0)} µs`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbase-bytes-'));
  const file = join(dir, 'sandbase.sqlite');
  try {
    newFile(file).close();
    const db = await Database.open(parseDatabaseUrl(`sqlite:${file}`), { migrate: true });
    const empty = size(file).bytes;
    const states = new Map<string, DeciderState>();
    const creates: Unstamped[] = [];
    for (let n = 0; n < ENVIRONMENTS; n++) {
      creates.push({ type: 'CreateEnvironment', data: { environment_id: newEnvironmentId(), organization_id: ORG, input: createInput(n) } });
    }
    await run(db, creates, states);
    const created = size(file);
    const hot = creates[0].data.environment_id;
    const updates: Unstamped[] = [];
    for (let v = 0; v < VERSIONS; v++) {
      updates.push({ type: 'UpdateEnvironment', data: { environment_id: hot, input: { metadata: { revision: String(v) }, description: `revision ${v}` } } });
    }
    await run(db, updates, states);
    const updated = size(file);
    await timeReads(db, hot, creates.slice(1).map((c) => c.data.environment_id));
    await db.close();
    const ref = reference(dir, creates.map((c) => presentEnvironment(states.get(c.data.environment_id)!)).slice(1));
    const perEnv = (created.bytes - empty) / ENVIRONMENTS;
    const refPerEnv = ref / (ENVIRONMENTS - 1);
    console.log(`${ENVIRONMENTS} environments: ${kib(perEnv)} per environment; bare reference ${kib(refPerEnv)}; ratio ${(perEnv / refPerEnv).toFixed(2)}x`);
    console.log(`${VERSIONS} updates of one environment: ${kib((updated.bytes - created.bytes) / VERSIONS)} per version`);
    console.log('per environment, by table and index:');
    for (const [name, bytes] of [...created.objects].sort((a, b) => b[1] - a[1])) {
      if (bytes / ENVIRONMENTS >= 8) console.log(`  ${name.padEnd(44)} ${(bytes / ENVIRONMENTS).toFixed(0).padStart(6)} B`);
    }
    console.log('per version, by table and index:');
    for (const [name, bytes] of [...updated.objects].map(([n, b]) => [n, b - (created.objects.get(n) ?? 0)] as const).sort((a, b) => b[1] - a[1])) {
      if (bytes / VERSIONS >= 8) console.log(`  ${name.padEnd(44)} ${(bytes / VERSIONS).toFixed(0).padStart(6)} B`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
