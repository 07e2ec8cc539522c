import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliShellCommand, ROOT, runCli } from '../support/cli';
import { usingPostgres } from '../support/database';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(180_000);

const exec = promisify(execFile);

/**
 * How many bytes of lines this long a pipe takes while nobody reads it (the
 * kernel packs writes into pages, so it depends on the line length): a
 * writer that exits without waiting loses everything after that.
 */
async function pipeCapacity(lineLength: number): Promise<number> {
  const writer = `for (let i = 0; i < 200; i++) process.stdout.write('x'.repeat(${lineLength - 1}) + '\\n'); process.exit(0)`;
  const { stdout } = await exec('bash', ['-c', '"$NODE" -e "$WRITER" | (sleep 1; wc -c)'], {
    env: { ...process.env, NODE: process.execPath, WRITER: writer },
  });
  return Number(stdout.trim());
}

/**
 * Runs a CLI command with its standard output piped into a reader that takes
 * one byte, then nothing for three seconds, then the rest: the kernel pipe
 * fills, and the end of the output is still queued inside the CLI when it has
 * finished its work. Everything must arrive all the same.
 */
async function runCliIntoSlowPipe(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  const cli = cliShellCommand(args);
  const script = `set -o pipefail; ${cli} | (dd bs=1 count=1 status=none; sleep 3; cat)`;
  try {
    const { stdout } = await exec('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

/**
 * Runs a CLI command into a reader that takes the first 100 bytes and exits
 * (like `| head -c 100`, but with exactly one 100-byte read, so that more is
 * left to write than the pipe holds), with a time limit: a writer that waits
 * for the closed pipe to drain would never finish.
 */
async function runCliIntoClosedPipe(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; killed: boolean }> {
  const cli = cliShellCommand(args);
  try {
    const { stderr } = await exec('bash', ['-c', `set -o pipefail; ${cli} | dd bs=100 count=1 status=none >/dev/null`], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stderr, killed: false };
  } catch (error) {
    const failed = error as { code: number | null; stderr: string; killed: boolean };
    return { code: failed.code, stderr: failed.stderr, killed: failed.killed };
  }
}

/** The history of the test app's own organization, whose size the suite controls. */
const AUDIT_EXPORT = ['audit', 'export', '--org', 'test-org'];

describe('CLI output', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  let capacity: number;

  beforeAll(async () => {
    t = await startTestApp();
    env = { DATABASE_URL: t.database.url };
    dir = mkdtempSync(join(tmpdir(), 'sandbase-cli-output-'));
    // Some 8 KiB more audit export than the pipe holds: less than the CLI's
    // own 16 KiB write buffer, so the CLI finishes with that tail queued.
    const description = 'd'.repeat(1000);
    const create = async (i: number) => {
      const r = await http(t, 'POST', '/v1/environments', { body: { name: `w-${i}`, description } });
      expect(r.status).toBe(200);
    };
    for (let i = 0; i < 4; i++) await create(i);
    const sample = (await runCli(AUDIT_EXPORT, env)).stdout;
    const perLine = Buffer.byteLength(sample) / 4;
    expect(perLine).toBeGreaterThan(1000);
    capacity = await pipeCapacity(Math.round(perLine));
    expect(capacity).toBeGreaterThan(4096);
    const wanted = Math.ceil((capacity + 8 * 1024) / perLine);
    for (let i = 4; i < wanted; i++) await create(i);
    // The full export must overflow the pipe too, or a fast writer could finish before the reader
    // closes it: another organization's environments grow it without growing test-org's history.
    const bulk = { baseUrl: t.baseUrl, key: (await t.createKey('cli-output-bulk')).key };
    for (let i = 0; Buffer.byteLength((await runCli(['export'], env)).stdout) < 2 * capacity; i++) {
      for (let j = 0; j < 20; j++) {
        expect((await http(bulk, 'POST', '/v1/environments', { body: { name: `bulk-${i}-${j}`, description } })).status).toBe(200);
      }
    }
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audit export delivers every line to a slow pipe', async () => {
    const fast = await runCli(AUDIT_EXPORT, env);
    expect(fast.code).toBe(0);
    const size = Buffer.byteLength(fast.stdout);
    expect(size).toBeGreaterThan(capacity + 2048);
    expect(size).toBeLessThan(capacity + 14 * 1024);
    const slow = await runCliIntoSlowPipe(AUDIT_EXPORT, env);
    expect(slow.code).toBe(0);
    expect(slow.stdout.slice(1)).toBe(fast.stdout.slice(1));
    expect(slow.stdout.endsWith('\n')).toBe(true);
  });

  it.each([[AUDIT_EXPORT], [['export', '--quiet']]])(
    '%j into a reader that stops early exits 1 and says the output was cut short',
    async (args) => {
      const result = await runCliIntoClosedPipe(args, env);
      expect(result.killed).toBe(false);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        'sandbase: error: standard output was closed before the export was complete (EPIPE)',
      ]);
      // Nothing was left holding the database: the service still writes.
      expect((await http(t, 'POST', '/v1/environments', { body: { name: `after-closed-pipe-${args.length}` } })).status).toBe(200);
    },
  );

  it('export --out writes a new file and reports what it wrote', async () => {
    const file = join(dir, 'new.ndjson');
    const result = await runCli(['export', '--out', file], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/exported \d+ organizations, \d+ API keys, \d+ events/);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ kind: 'end' });
  });

  // A file size limit (ulimit -f) stands in for a full disk; it applies to every file the process writes, so
  // this runs against PostgreSQL, where the CLI writes no database file of its own.
  (usingPostgres() ? it : it.skip)('export --out onto a disk that fills up exits 1, says so, and leaves no partial file', async () => {
    const file = join(dir, 'full-disk.ndjson');
    const cli = cliShellCommand(['export', '--out', file]);
    // 8 KiB: writes past it fail with EFBIG (the signal is ignored, as a full disk's ENOSPC would be reported).
    let result: { code: number; stderr: string };
    try {
      const { stderr } = await exec('bash', ['-c', `trap '' XFSZ; ulimit -f 16; exec ${cli}`], {
        cwd: ROOT,
        env: { ...process.env, ...env, DISABLE_V8_COMPILE_CACHE: '1' },
      });
      result = { code: 0, stderr };
    } catch (error) {
      result = error as { code: number; stderr: string };
    }
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`export to ${file} failed, the partial file was removed: EFBIG`);
    expect(result.stderr).not.toMatch(/exported \d+/);
    expect(existsSync(file)).toBe(false);
  });

  it('export --out never overwrites an existing file: exit 1, a clear message, the file untouched', async () => {
    const file = join(dir, 'existing.ndjson');
    writeFileSync(file, 'keep me\n');
    const result = await runCli(['export', '--out', file], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file} already exists`);
    expect(result.stderr).not.toMatch(/exported/);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });

  it('export --out into a missing directory fails with exit 1 and says why', async () => {
    const file = join(dir, 'no-such-dir', 'x.ndjson');
    const result = await runCli(['export', '--out', file], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot create ${file}`);
    expect(result.stderr).not.toMatch(/exported/);
    expect(existsSync(file)).toBe(false);
  });
});
