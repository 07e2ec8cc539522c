/**
 * `npm run bench`: Sandbase side by side with the reference server of
 * bench/reference/ in one run, every scenario against fresh processes,
 * BENCH_ROUNDS rounds, medians; prints the tables and the targets, and writes
 * bench/results/<time>.json. See BENCHMARKS.md for the settings.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkTargets, formatTables, formatTargets, Results, summarizeHttp } from './report';
import { buildTemplates, dropTemplates, Templates } from './lib/seed';
import { build, gitDescription, ROOT, ServerName, targets as makeTargets } from './lib/servers';
import { fixed, millis } from './lib/stats';
import type { StoreKind } from './lib/stores';
import { httpScenarios, Options, runAudit, runColdStart, runHttp, runLongHistory, runRebuild, RunContext, sizes } from './scenarios';

function number(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min} (got ${JSON.stringify(raw)})`);
  return value;
}

function options(): Options {
  const quick = process.env.BENCH_QUICK === '1';
  const environments = Math.round(number('BENCH_ENVIRONMENTS', quick ? 600 : 100_000, 200));
  const listLimit = 100;
  return {
    quick,
    rounds: Math.round(number('BENCH_ROUNDS', quick ? 1 : 3, 1)),
    duration: number('BENCH_DURATION', quick ? 2 : 10, 0.5),
    warmup: number('BENCH_WARMUP', quick ? 0.25 : 2),
    environments,
    updateSet: Math.min(environments, Math.round(number('BENCH_UPDATE_SET', quick ? 200 : 10_000, 32))),
    // Half-way down the list: 50,000 rows deep in 100,000.
    listDepth: Math.floor(environments / 2 / listLimit) * listLimit,
    listLimit,
    longHistory: Math.round(number('BENCH_LONG_HISTORY', quick ? 200 : 10_000, 2)),
    mixedUpdates: Math.round(number('BENCH_MIXED_UPDATES', quick ? 100 : 30_000)),
    freshEnvironments: quick ? 50 : 1_000,
    auditVersions: Math.round(number('BENCH_VERSIONS', quick ? 10_000 : 1_000_000, 1_000)),
    only: (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** Fewer answered requests than this in a measured run are flagged. */
const FEW = 100;

const SPECIAL = ['update-long-history', 'rebuild', 'cold-start-empty', 'cold-start-large', 'db-size', 'audit-query'];


async function main(): Promise<void> {
  const opts = options();
  const startedAt = new Date();
  const log = (line: string) => console.log(line);
  const postgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
  const scratch = process.env.BENCH_TMP ?? mkdtempSync(join(tmpdir(), 'sandbase-bench-'));
  mkdirSync(join(scratch, 'logs'), { recursive: true });
  const kind: StoreKind = postgres ? { type: 'postgres', base: process.env.DATABASE_URL!, root: scratch } : { type: 'sqlite', root: scratch };
  const apiKey = `sk-sb-bench-${randomBytes(16).toString('hex')}`;

  build(process.env.BENCH_BUILD === '1');
  const targets = makeTargets(kind, apiKey);
  const ctx: RunContext = {
    options: opts,
    apiKey,
    targets,
    templates: { sandbase: {}, reference: {} },
    scratch,
    logFile: (label) => join(scratch, 'logs', `${label}.log`),
    log,
  };
  const scenarios = httpScenarios(ctx);
  const known = [...scenarios.map((s) => s.id), ...SPECIAL];
  const selected = (id: string) => !opts.only.length || opts.only.some((t) => id === t || id.startsWith(`${t}-`));
  const unknown = opts.only.filter((t) => !known.some((id) => id === t || id.startsWith(`${t}-`)));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const http = scenarios.filter((s) => selected(s.id));

  const results: Results = {
    startedAt: startedAt.toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      sqlite: (new Database(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
      loadavgAtStart: loadavg(),
      commit: gitDescription(),
    },
    database: postgres ? 'postgres (Sandbase; the reference is always SQLite)' : 'sqlite',
    options: opts,
    http: {},
    coldStart: {},
    sizes: {},
    errors: [],
  };
  log(
    `Sandbase vs reference on ${results.database}: ${opts.rounds} round(s) of ${opts.duration} s (+${opts.warmup} s warm-up), ` +
      `${fixed(opts.environments)} environments${opts.quick ? ' (BENCH_QUICK: a smoke run, numbers mean little)' : ''}`,
  );

  const need = (name: ServerName) => ({
    empty: selected('db-size'),
    small: http.some((s) => s.template === 'small'),
    large: http.some((s) => s.template === 'large') || selected('cold-start-large') || selected('db-size'),
    history: selected('update-long-history') || selected('db-size') || (name === 'sandbase' && selected('rebuild')),
  });
  const attempt = async <T>(label: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      const message = `${label}: ${error instanceof Error ? error.message : String(error)}`;
      results.errors.push(message);
      console.error(`ERROR ${message}`);
      return undefined;
    }
  };

  try {
    log('seeding (through the HTTP API, once per server; each process below gets a fresh copy):');
    for (const name of ['reference', 'sandbase'] as const) {
      const templates = await attempt(`seeding ${name}`, () =>
        buildTemplates({ target: targets[name], apiKey, sizes: opts, logFile: ctx.logFile, log }, need(name)),
      );
      ctx.templates[name] = templates ?? ({} as Templates);
    }

    for (let round = 0; round < opts.rounds; round++) {
      log(`round ${round + 1} of ${opts.rounds}`);
      const order: ServerName[] = round % 2 ? ['reference', 'sandbase'] : ['sandbase', 'reference'];
      for (const scenario of http) {
        const entry = (results.http[scenario.id] ??= { title: scenario.title, connections: scenario.connections, rounds: {} });
        for (const name of order) {
          if (!ctx.templates[name] || (scenario.template !== 'fresh' && !ctx.templates[name][scenario.template])) continue;
          const sample = await attempt(`${scenario.id} ${name} round ${round + 1}`, () => runHttp(ctx, scenario, targets[name], round));
          if (!sample) continue;
          (entry.rounds[name] ??= []).push(sample);
          log(
            `  ${scenario.id.padEnd(18)} ${name.padEnd(9)} ${fixed(sample.rps).padStart(7)} req/s  p50 ${millis(sample.p50)} ms  p99 ${millis(sample.p99)} ms  ` +
              `CPU ${fixed(sample.cpuPercent)}%  RSS ${fixed(sample.peakRss / 2 ** 20)} MiB${sample.failed ? `  FAILED ${sample.failed}` : ''}` +
              (sample.ok < FEW ? `  (only ${sample.ok} answers: too few to mean much)` : ''),
          );
        }
      }
      if (selected('update-long-history')) {
        for (const name of order) {
          if (!ctx.templates[name].history) continue;
          const sample = await attempt(`update-long-history ${name} round ${round + 1}`, () => runLongHistory(ctx, targets[name], round));
          if (!sample) continue;
          ((results.longHistory ??= {})[name] ??= []).push(sample);
          log(`  update-long-history ${name.padEnd(9)} p50 ${millis(sample.long.p50)} ms vs fresh ${millis(sample.fresh.p50)} ms (${sample.p50Ratio.toFixed(2)}x)`);
        }
      }
      for (const [id, template] of [['cold-start-empty', 'fresh'], ['cold-start-large', 'large']] as const) {
        if (!selected(id)) continue;
        for (const name of order) {
          if (template === 'large' && !ctx.templates[name].large) continue;
          const sample = await attempt(`${id} ${name} round ${round + 1}`, () => runColdStart(ctx, targets[name], template, round));
          if (!sample) continue;
          ((results.coldStart[template] ??= {})[name] ??= []).push(sample);
          log(`  ${id.padEnd(18)} ${name.padEnd(9)} ready after ${millis(sample.readyMs)} ms`);
        }
      }
      if (selected('rebuild') && ctx.templates.sandbase.history) {
        const sample = await attempt(`rebuild round ${round + 1}`, () => runRebuild(ctx, round));
        if (sample) {
          (results.rebuild ??= []).push(sample);
          log(`  rebuild            sandbase  ${fixed(sample.eventsPerSecond)} events/s (${sample.events} events)${sample.verified === false ? '  VERIFY FOUND DIFFERENCES' : ''}`);
          if (sample.verified === false) results.errors.push('projections verify found differences after the rebuild');
        }
      }
    }
    for (const name of ['sandbase', 'reference'] as const) {
      const size = selected('db-size') ? sizes(ctx, name) : undefined;
      if (size) results.sizes[name] = size;
    }
    if (selected('audit-query')) {
      log(`audit query (${fixed(opts.auditVersions)} versions, in process, Sandbase's query on its schema):`);
      results.audit = await attempt('audit-query', () => runAudit(ctx));
    }
  } finally {
    // BENCH_KEEP=1 keeps the seeded databases too (on PostgreSQL, the bench_* databases), to look into them afterwards.
    if (process.env.BENCH_KEEP !== '1') {
      for (const name of ['sandbase', 'reference'] as const) await dropTemplates(ctx.templates[name]).catch(() => undefined);
    }
  }

  results.finishedAt = new Date().toISOString();
  results.machine.loadavgAtEnd = loadavg();
  results.summary = summarizeHttp(results);
  results.targets = checkTargets(results);
  const load = (values: unknown) => (values as number[]).map((v) => v.toFixed(1)).join(' ');
  console.log(`\nload average at the start ${load(results.machine.loadavgAtStart)}, at the end ${load(results.machine.loadavgAtEnd)} (${cpus().length} CPUs)`);
  console.log(`\n${formatTables(results)}\n\nTargets (medians over ${opts.rounds} round(s)${opts.quick ? '; BENCH_QUICK sizes, not a verdict' : ''}):\n${formatTargets(results.targets)}`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
  if (results.errors.length) {
    console.error(`\n${results.errors.length} error(s); server logs kept in ${join(scratch, 'logs')}`);
    process.exitCode = 1;
  } else if (process.env.BENCH_KEEP !== '1' && !process.env.BENCH_TMP) {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
