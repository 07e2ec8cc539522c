import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { usingPostgres } from '../support/database';
import { eventCount, http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(300_000);

/** `task: 45% (1234/2742 pages), 5120 pages/s, ETA 0:03`: percentage, counts, rate and time left. */
const PROGRESS = /^([a-z][a-z ]*): (\d{1,3})% \((\d+)\/(\d+) ([a-z]+)\), (\d+(?:\.\d)?) \5\/s, ETA (\?|(?:\d+:)?\d+:\d\d)$/;

interface ProgressLine {
  task: string;
  percent: number;
  done: number;
  total: number;
}

/** The progress lines standard error holds for `task`, in order. */
function progressLines(stderr: string, task: string): ProgressLine[] {
  return stderr
    .split('\n')
    .map((line) => PROGRESS.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === task)
    .map((match) => ({ task: match[1], percent: Number(match[2]), done: Number(match[3]), total: Number(match[4]) }));
}

/** At least one line for `task`, and the last one says everything is done. */
function expectFinished(stderr: string, task: string, total?: number): void {
  const lines = progressLines(stderr, task);
  expect(lines.length).toBeGreaterThan(0);
  const last = lines[lines.length - 1];
  expect(last.percent).toBe(100);
  expect(last.done).toBe(last.total);
  if (total !== undefined) expect(last.total).toBe(total);
  for (const line of lines) expect(line.percent).toBe(line.total === 0 ? 100 : Math.floor((line.done / line.total) * 100));
}

describe('progress lines of the long CLI tasks', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  let events: number;

  beforeAll(async () => {
    t = await startTestApp();
    env = { DATABASE_URL: t.database.url };
    dir = mkdtempSync(join(tmpdir(), 'sandbase-progress-'));
    for (let i = 0; i < 40; i++) {
      expect((await http(t, 'POST', '/v1/environments', { body: { name: `progress-${i}` } })).status).toBe(200);
    }
    events = await eventCount(t);
  });

  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('export and import report rows and bytes on standard error, ending at 100%', async () => {
    const file = join(dir, 'all.ndjson');
    const exported = await runCli(['export', '--out', file], env);
    expect(exported.code).toBe(0);
    expectFinished(exported.stderr, 'export');
    expect(exported.stdout).toBe('');

    const imported = await runCli(['import', '--in', file], { DATABASE_URL: `sqlite:${join(dir, 'imported.sqlite')}` });
    expect(imported.code).toBe(0);
    expectFinished(imported.stderr, 'import');
    expect(imported.stdout).toMatch(/audit chain verifies/);
  });

  it('audit verify counts the events it checked, all of them', async () => {
    const result = await runCli(['audit', 'verify'], env);
    expect(result.code).toBe(0);
    expectFinished(result.stderr, 'audit verify', events);
    expect(result.stdout).toMatch(/audit log verifies/);
  });

  it('projections rebuild and verify end with a line at 100% of the events replayed', async () => {
    const rebuilt = await runCli(['projections', 'rebuild'], env);
    expect(rebuilt.code).toBe(0);
    expectFinished(rebuilt.stderr, 'projections rebuild', events);
    const verified = await runCli(['projections', 'verify'], env);
    expect(verified.code).toBe(0);
    expectFinished(verified.stderr, 'projections verify', events);
  });

  (usingPostgres() ? it.skip : it)('backup reports pages copied, then the checks of the copy', async () => {
    const result = await runCli(['backup', '--out', join(dir, 'copy.sqlite')], env);
    expect(result.code).toBe(0);
    expectFinished(result.stderr, 'backup');
    expectFinished(result.stderr, 'audit verify', events);
    expectFinished(result.stderr, 'projections verify', events);
  });

  it('--quiet prints no progress line, and the result is unchanged', async () => {
    for (const args of [['audit', 'verify'], ['projections', 'verify'], ['export', '--out', join(dir, 'quiet.ndjson')]]) {
      const result = await runCli([...args, '--quiet'], env);
      expect([args, result.code]).toEqual([args, 0]);
      expect(result.stderr.split('\n').filter((line) => PROGRESS.test(line))).toEqual([]);
    }
  });
});
