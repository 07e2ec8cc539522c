/** The printed tables, the targets of issue "Performance" checked against the medians, and the JSON record. */
import type { AuditQueryResult } from './audit-query.bench';
import type { ServerName } from './lib/servers';
import { fixed, median, millis, MiB } from './lib/stats';
import { ColdStartSample, LongHistorySample, medians, Options, RebuildSample, Sample, SizeResult } from './scenarios';

type PerServer<T> = Partial<Record<ServerName, T>>;

export interface Results {
  startedAt: string;
  finishedAt?: string;
  machine: Record<string, unknown>;
  database: string;
  options: Options;
  http: Record<string, { title: string; connections: number; rounds: PerServer<Sample[]> }>;
  longHistory?: PerServer<LongHistorySample[]>;
  rebuild?: RebuildSample[];
  coldStart: { fresh?: PerServer<ColdStartSample[]>; large?: PerServer<ColdStartSample[]> };
  sizes: PerServer<SizeResult>;
  audit?: AuditQueryResult;
  errors: string[];
  summary?: Record<string, unknown>;
  targets?: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** null: not measured in this run. */
  pass: boolean | null;
}

interface HttpSummary {
  title: string;
  connections: number;
  sandbase?: Record<keyof Sample, number>;
  reference?: Record<keyof Sample, number>;
  /** The median over rounds of Sandbase's req/s over the reference's in the same round. */
  ratio: number;
}

export function summarizeHttp(results: Results): Record<string, HttpSummary> {
  const out: Record<string, HttpSummary> = {};
  for (const [id, scenario] of Object.entries(results.http)) {
    const sb = scenario.rounds.sandbase ?? [];
    const ref = scenario.rounds.reference ?? [];
    const ratios = sb.slice(0, ref.length).map((s, i) => s.rps / ref[i].rps);
    out[id] = {
      title: scenario.title,
      connections: scenario.connections,
      sandbase: sb.length ? medians(sb) : undefined,
      reference: ref.length ? medians(ref) : undefined,
      ratio: median(ratios),
    };
  }
  return out;
}

const pad = (cells: string[], widths: number[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [pad(header, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => pad(r, widths))].join('\n');
}

const latency = (s?: Record<keyof Sample, number>) => (s ? `${millis(s.p50)} / ${millis(s.p99)}` : '-');
const pair = (a: number | undefined, b: number | undefined, format: (v: number | undefined) => string) => `${format(a)} / ${format(b)}`;
const mib = (v: number | undefined) => (v === undefined ? '-' : fixed(v / MiB, 0));
const both = <T>(per: PerServer<T[]> | undefined, pick: (s: T) => number, name: ServerName) => {
  const values = per?.[name]?.map(pick) ?? [];
  return values.length ? median(values) : undefined;
};

export function formatTables(results: Results): string {
  const http = summarizeHttp(results);
  const rows = Object.values(http).map((s) => [
    s.title,
    String(s.connections),
    fixed(s.sandbase?.rps),
    fixed(s.reference?.rps),
    fixed(s.ratio, 2),
    latency(s.sandbase),
    latency(s.reference),
    pair(s.sandbase?.cpuPer1000, s.reference?.cpuPer1000, (v) => fixed(v, 2)),
    pair(s.sandbase?.peakRss, s.reference?.peakRss, mib),
    fixed((s.sandbase?.failed ?? 0) + (s.reference?.failed ?? 0)),
  ]);
  const out = [
    table(
      ['scenario', 'conns', 'Sandbase req/s', 'reference req/s', 'ratio', 'Sandbase p50 / p99 ms', 'reference p50 / p99 ms', 'CPU s per 1k req (S / ref)', 'peak RSS MiB (S / ref)', 'failed'],
      rows,
    ),
  ];
  const other: string[][] = [];
  const lh = results.longHistory;
  for (const name of ['sandbase', 'reference'] as const) {
    if (!lh?.[name]?.length) continue;
    const fresh = both(lh, (s) => s.fresh.p50, name);
    const long = both(lh, (s) => s.long.p50, name);
    const ratio = both(lh, (s) => s.p50Ratio, name);
    other.push([`update of a ${fixed(results.options.longHistory)}-version env vs a fresh one (${name}, 1 conn)`, `p50 ${millis(long)} vs ${millis(fresh)} ms: ${fixed(ratio, 2)}x`]);
  }
  if (results.rebuild?.length) {
    const m = medians(results.rebuild.map(({ verified: _verified, ...rest }) => rest));
    const verified = results.rebuild[0].verified;
    other.push([
      'rebuild (projections rebuild, Sandbase)',
      `${fixed(m.eventsPerSecond)} events/s (${fixed(m.events)} events in ${m.seconds.toFixed(2)} s; CLI ${m.wallSeconds.toFixed(2)} s, peak RSS ${mib(m.peakRss)} MiB; verify ${verified === undefined ? '-' : verified ? 'clean' : 'DIFFERENCES'})`,
    ]);
  }
  for (const [key, label] of [['fresh', 'an empty database'], ['large', `${fixed(results.options.environments)} environments`]] as const) {
    const cs = results.coldStart[key];
    if (!cs) continue;
    other.push([`cold start to ready, ${label} (Sandbase / reference)`, `${pair(both(cs, (s) => s.readyMs, 'sandbase'), both(cs, (s) => s.readyMs, 'reference'), millis)} ms`]);
  }
  const sb = results.sizes.sandbase;
  const ref = results.sizes.reference;
  if (sb || ref) {
    other.push([
      `database bytes per environment, ${fixed(results.options.environments)} environments (Sandbase / reference)`,
      `${pair(sb?.perEnvironment, ref?.perEnvironment, (v) => fixed(v))}: ${fixed(sb && ref ? sb.perEnvironment / ref.perEnvironment : undefined, 2)}x`,
    ]);
    if (sb?.perVersion || ref?.perVersion) {
      other.push(['database bytes per further version (Sandbase / reference)', pair(sb?.perVersion, ref?.perVersion, (v) => fixed(v))]);
    }
  }
  const a = results.audit;
  if (a) {
    other.push([
      `audit query over ${fixed(a.versions)} versions (${a.database}, in process)`,
      `first page ${millis(a.first.median)} ms, 90% deep ${millis(a.deep.median)} ms (${a.deepOverFirst.toFixed(2)}x), unfiltered ${millis(a.unfiltered.median)} ms`,
    ]);
  }
  if (other.length) out.push('', table(['measurement', 'median over rounds'], other));
  return out.join('\n');
}

export function checkTargets(results: Results): TargetCheck[] {
  const http = summarizeHttp(results);
  const checks: TargetCheck[] = [];
  const check = (target: string, value: number | undefined, pass: (v: number) => boolean, show: (v: number) => string) =>
    checks.push(value === undefined || !Number.isFinite(value) ? { target, measured: 'not measured', pass: null } : { target, measured: show(value), pass: pass(value) });
  const x = (v: number) => `${v.toFixed(2)}x`;
  for (const id of ['create-32', 'update-random-32', 'update-hot-32']) {
    check(`${id}: req/s >= 1.0x the reference`, http[id]?.ratio, (v) => v >= 1.0, x);
    const s = http[id]?.sandbase;
    check(`${id}: Sandbase p99 <= 3x its p50`, s && s.p99 / s.p50, (v) => v <= 3, x);
  }
  for (const id of ['create-1', 'update-random-1']) {
    const s = http[id];
    check(`${id}: p50 <= 1.2x the reference's`, s?.sandbase && s.reference && s.sandbase.p50 / s.reference.p50, (v) => v <= 1.2, x);
  }
  for (const id of ['retrieve-32', 'list-first-32']) check(`${id}: req/s >= 0.7x the reference`, http[id]?.ratio, (v) => v >= 0.7, x);
  const first = http['list-first-32']?.sandbase;
  const deep = http['list-deep-32']?.sandbase;
  check('list-deep-32: p50 <= 1.2x list-first-32 p50 (Sandbase)', first && deep && deep.p50 / first.p50, (v) => v <= 1.2, x);
  const sb = results.sizes.sandbase;
  const ref = results.sizes.reference;
  check('bytes per environment <= 2x the reference', sb && ref && sb.perEnvironment / ref.perEnvironment, (v) => v <= 2, x);
  const lh = results.longHistory?.sandbase;
  check(
    `update of a ${fixed(results.options.longHistory)}-version env: p50 <= 1.1x a fresh one's`,
    lh?.length ? median(lh.map((s) => s.p50Ratio)) : undefined,
    (v) => v <= 1.1,
    x,
  );
  const rebuild = results.rebuild?.length ? median(results.rebuild.map((s) => s.eventsPerSecond)) : undefined;
  check('rebuild >= 100,000 events/s', rebuild, (v) => v >= 100_000, (v) => `${fixed(v)} events/s`);
  for (const [key, label] of [['fresh', 'an empty database'], ['large', `${fixed(results.options.environments)} environments`]] as const) {
    const cs = results.coldStart[key]?.sandbase;
    check(`cold start to ready < 1.0 s, ${label}`, cs?.length ? median(cs.map((s) => s.readyMs)) : undefined, (v) => v < 1000, (v) => `${fixed(v)} ms`);
  }
  const rss = [
    ...Object.values(results.http).flatMap((s) => (s.rounds.sandbase ?? []).map((r) => r.peakRss)),
    ...(results.longHistory?.sandbase ?? []).flatMap((s) => [s.fresh.peakRss, s.long.peakRss]),
    ...(results.rebuild ?? []).map((s) => s.peakRss),
    ...(results.coldStart.fresh?.sandbase ?? []).map((s) => s.peakRss),
    ...(results.coldStart.large?.sandbase ?? []).map((s) => s.peakRss),
  ].filter((v) => Number.isFinite(v));
  check('peak RSS < 150 MiB in every scenario (Sandbase; server and rebuild CLI)', rss.length ? Math.max(...rss) : undefined, (v) => v < 150 * MiB, (v) => `max ${mib(v)} MiB`);
  return checks;
}

export function formatTargets(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.measured}`).join('\n');
}
