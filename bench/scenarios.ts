/**
 * What the benchmark measures. Every scenario runs each round against fresh
 * server processes (on a fresh copy of a seeded database, see lib/seed.ts):
 * HTTP load at a fixed number of connections for both servers, and the
 * measurements that are not request rates (long history, rebuild, cold start,
 * bytes, the audit query).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditQueryBench, AuditQueryResult } from './audit-query.bench';
import { HttpRequest, load, LoadResult } from './lib/load';
import { PEAK_RSS_PRELOAD, runCommand, ServerProcess } from './lib/processes';
import { createBody, createMany, SeedSizes, Templates, updateBody } from './lib/seed';
import { sandbaseEnv, SANDBASE_CLI, ServerName, Target } from './lib/servers';
import { median } from './lib/stats';
import type { Store } from './lib/stores';

export interface Options extends SeedSizes {
  quick: boolean;
  rounds: number;
  duration: number;
  warmup: number;
  auditVersions: number;
  /** Fresh environments the long-history update is compared with. */
  freshEnvironments: number;
  only: string[];
}

export interface RunContext {
  options: Options;
  apiKey: string;
  targets: Record<ServerName, Target>;
  templates: Record<ServerName, Templates>;
  scratch: string;
  logFile: (label: string) => string;
  log: (line: string) => void;
}

/** A deterministic sequence of indexes, the same for both servers in a round. */
function randomIndexes(seed: number, size: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % size;
  };
}

export interface HttpScenario {
  id: string;
  title: string;
  connections: number;
  template: 'fresh' | 'small' | 'large';
  /** Run before the warm-up on the started server; returns what to send. */
  prepare(server: ServerProcess, templates: Templates, round: number): Promise<() => HttpRequest>;
}

const createScenario = (connections: number): HttpScenario => ({
  id: `create-${connections}`,
  title: 'create',
  connections,
  template: 'fresh',
  prepare: async () => {
    let n = 0;
    return () => ({ method: 'POST', path: '/v1/environments', body: createBody(`bench-${n++}`) });
  },
});

const updateRandomScenario = (connections: number): HttpScenario => ({
  id: `update-random-${connections}`,
  title: 'update, random env',
  connections,
  template: 'small',
  prepare: async (_server, templates, round) => {
    const ids = templates.small!.ids;
    const pick = randomIndexes(round + 1, ids.length);
    let n = 0;
    return () => ({ method: 'POST', path: `/v1/environments/${ids[pick()]}`, body: updateBody(n++) });
  },
});

export function httpScenarios(ctx: RunContext): HttpScenario[] {
  const limit = ctx.options.listLimit;
  return [
    createScenario(32),
    createScenario(1),
    updateRandomScenario(32),
    updateRandomScenario(1),
    {
      id: 'update-hot-32',
      title: 'update, one hot env',
      connections: 32,
      template: 'fresh',
      prepare: async (server) => {
        const [id] = await createMany(server, ctx.apiKey, 1, 'hot');
        let n = 0;
        return () => ({ method: 'POST', path: `/v1/environments/${id}`, body: updateBody(n++) });
      },
    },
    {
      id: 'retrieve-32',
      title: 'retrieve',
      connections: 32,
      template: 'large',
      prepare: async (_server, templates, round) => {
        const ids = templates.large!.ids;
        const pick = randomIndexes(round + 7, ids.length);
        return () => ({ method: 'GET', path: `/v1/environments/${ids[pick()]}` });
      },
    },
    {
      id: 'list-first-32',
      title: `list, first page (${limit})`,
      connections: 32,
      template: 'large',
      prepare: async () => () => ({ method: 'GET', path: `/v1/environments?limit=${limit}` }),
    },
    {
      id: 'list-deep-32',
      title: `list, ${ctx.options.listDepth.toLocaleString('en-US')} rows deep`,
      connections: 32,
      template: 'large',
      prepare: async (_server, templates) => {
        const path = `/v1/environments?limit=${limit}&page=${templates.large!.deepCursor}`;
        return () => ({ method: 'GET', path });
      },
    },
  ];
}

export interface Sample extends LoadResult {
  cpuSeconds: number;
  /** Server CPU seconds per 1,000 answered requests. */
  cpuPer1000: number;
  /** Server CPU time over wall time, in percent of one core. */
  cpuPercent: number;
  peakRss: number;
  readyMs: number;
}

async function withServer<T>(ctx: RunContext, target: Target, store: Store, label: string, work: (server: ServerProcess) => Promise<T>): Promise<T> {
  try {
    const server = await target.start(store, ctx.logFile(`${label}-${target.name}`));
    try {
      return await work(server);
    } finally {
      await server.stop();
    }
  } finally {
    await store.drop();
  }
}

async function storeFor(ctx: RunContext, target: Target, template: 'fresh' | 'small' | 'large' | 'history', label: string): Promise<Store> {
  if (template === 'fresh') return target.newStore(label);
  return ctx.templates[target.name][template]!.store.clone(label);
}

/** Warm-up (unrecorded), then the measured window, in one run; server CPU and peak RSS from /proc. */
async function measure(ctx: RunContext, server: ServerProcess, connections: number, next: () => HttpRequest): Promise<Sample> {
  let cpuBefore = NaN;
  const result = await load({
    url: server.url,
    apiKey: ctx.apiKey,
    connections,
    next,
    warmup: ctx.options.warmup,
    duration: ctx.options.duration,
    onWindowStart: () => {
      try {
        cpuBefore = server.cpuSeconds();
      } catch {
        // The server died; reading its CPU time below says so.
      }
    },
  });
  const cpuSeconds = server.cpuSeconds() - cpuBefore;
  return {
    ...result,
    cpuSeconds,
    cpuPer1000: (cpuSeconds / result.ok) * 1000,
    cpuPercent: (cpuSeconds / result.seconds) * 100,
    peakRss: server.peakRss(),
    readyMs: server.readyMs,
  };
}

export function runHttp(ctx: RunContext, scenario: HttpScenario, target: Target, round: number): Promise<Sample> {
  return storeFor(ctx, target, scenario.template, scenario.id).then((store) =>
    withServer(ctx, target, store, `${scenario.id}-r${round}`, async (server) => {
      const next = await scenario.prepare(server, ctx.templates[target.name], round);
      return measure(ctx, server, scenario.connections, next);
    }),
  );
}

export interface LongHistorySample {
  fresh: Sample;
  long: Sample;
  /** p50 of an update of the long-history environment over that of a fresh one. */
  p50Ratio: number;
}

/**
 * Updates at one connection of the environment with `longHistory` versions,
 * and of `freshEnvironments` fresh ones in turn (so that each stays young),
 * in the same process; which goes first alternates by round.
 */
export function runLongHistory(ctx: RunContext, target: Target, round: number): Promise<LongHistorySample> {
  return storeFor(ctx, target, 'history', 'long-history').then((store) =>
    withServer(ctx, target, store, `long-history-r${round}`, async (server) => {
      const fresh = await createMany(server, ctx.apiKey, ctx.options.freshEnvironments, 'fresh');
      const longId = ctx.templates[target.name].history!.longId;
      let n = 0;
      let i = 0;
      const freshNext = (): HttpRequest => ({ method: 'POST', path: `/v1/environments/${fresh[i++ % fresh.length]}`, body: updateBody(n++) });
      const longNext = (): HttpRequest => ({ method: 'POST', path: `/v1/environments/${longId}`, body: updateBody(n++) });
      const out: Partial<LongHistorySample> = {};
      for (const which of round % 2 ? (['long', 'fresh'] as const) : (['fresh', 'long'] as const)) {
        out[which] = await measure(ctx, server, 1, which === 'long' ? longNext : freshNext);
      }
      return { fresh: out.fresh!, long: out.long!, p50Ratio: out.long!.p50 / out.fresh!.p50 };
    }),
  );
}

export interface RebuildSample {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** The whole CLI process, start-up included. */
  wallSeconds: number;
  peakRss: number;
  /** `projections verify` after the rebuild (first round only). */
  verified?: boolean;
}

function preloadFile(ctx: RunContext): string {
  const file = join(ctx.scratch, 'peak-rss.js');
  writeFileSync(file, PEAK_RSS_PRELOAD);
  return file;
}

/** `projections rebuild --json` of the built CLI on a copy of the history database (Sandbase only). */
export async function runRebuild(ctx: RunContext, round: number): Promise<RebuildSample> {
  const store = await storeFor(ctx, ctx.targets.sandbase, 'history', 'rebuild');
  try {
    const env = sandbaseEnv(store, ctx.apiKey);
    const cli = (args: string[]) => runCommand({ label: `sandbase ${args.join(' ')}`, args: [SANDBASE_CLI, ...args], env, preload: preloadFile(ctx) });
    const run = await cli(['projections', 'rebuild', '--json']);
    const report = run.stdout
      .split('\n')
      .map((line) => {
        try {
          return JSON.parse(line) as { events?: number; seconds?: number };
        } catch {
          return null;
        }
      })
      .find((value) => value && typeof value.events === 'number' && typeof value.seconds === 'number');
    if (!report) throw new Error(`projections rebuild --json printed no report:\n${run.stdout}`);
    const sample: RebuildSample = {
      events: report.events!,
      seconds: report.seconds!,
      eventsPerSecond: report.events! / report.seconds!,
      wallSeconds: run.seconds,
      peakRss: run.peakRss,
    };
    if (round === 0) sample.verified = await cli(['projections', 'verify']).then(() => true, () => false);
    return sample;
  } finally {
    await store.drop();
  }
}

export interface ColdStartSample {
  readyMs: number;
  peakRss: number;
}

/** From spawn to the first 200 of /health/ready: on a new, empty database (migrations included) or on a copy of the large one. */
export async function runColdStart(ctx: RunContext, target: Target, template: 'fresh' | 'large', round: number): Promise<ColdStartSample> {
  const store = await storeFor(ctx, target, template, `cold-${template}`);
  return withServer(ctx, target, store, `cold-${template}-r${round}`, async (server) => ({ readyMs: server.readyMs, peakRss: server.peakRss() }));
}

export interface SizeResult {
  environments: number;
  /** Bytes of the database of `environments` environments (one version each), less those of an empty one, per environment. */
  perEnvironment: number;
  /** Bytes the history added, per event it recorded. */
  perVersion?: number;
  emptyBytes: number;
  largeBytes: number;
}

export function sizes(ctx: RunContext, name: ServerName): SizeResult | undefined {
  const t = ctx.templates[name];
  if (!t.empty || !t.large) return undefined;
  return {
    environments: ctx.options.environments,
    perEnvironment: (t.large.bytes - t.empty.bytes) / ctx.options.environments,
    perVersion: t.history && t.small ? (t.history.bytes - t.small.bytes) / t.history.events : undefined,
    emptyBytes: t.empty.bytes,
    largeBytes: t.large.bytes,
  };
}

export function runAudit(ctx: RunContext): Promise<AuditQueryResult> {
  return auditQueryBench(ctx.options.auditVersions, (line) => ctx.log(`  ${line}`));
}

/** The median of each numeric field over the rounds. */
export function medians<T extends object>(samples: T[]): Record<keyof T, number> {
  const out = {} as Record<keyof T, number>;
  if (!samples.length) return out;
  for (const key of Object.keys(samples[0]) as (keyof T)[]) {
    if (typeof samples[0][key] === 'number') out[key] = median(samples.map((s) => s[key] as number));
  }
  return out;
}
