import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { http, startTestApp, TestApp, withoutLogLevel } from '../support/test-app';

describe('operational surface', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers liveness and readiness without a key', async () => {
    const live = await http(t, 'GET', '/health/live', { key: null });
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await http(t, 'GET', '/health/ready', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('gives every response, errors included, a req_ request id', async () => {
    const ok = await http(t, 'GET', '/health/live', { key: null });
    const error = await http(t, 'GET', '/v1/environments', { key: null });
    for (const response of [ok, error]) expect(response.headers.get('request-id')).toMatch(/^req_[0-9A-Za-z]{24}$/);
    expect(error.body.request_id).toBe(error.headers.get('request-id'));
  });

  it('answers an unknown route with a 404 in the error envelope', async () => {
    const response = await http(t, 'GET', '/v1/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: expect.any(String) },
      request_id: response.headers.get('request-id'),
    });
  });

  it('reports not ready once the database is gone', async () => {
    const other = await startTestApp();
    await other.db.close();
    const ready = await http(other, 'GET', '/health/ready', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', database: 'down' });
    await other.app.close();
    await other.database.drop();
  });
});

describe('start-up failure', () => {
  it('prints one line naming the database and exits 1 when the SQLite file cannot be created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbase-startup-'));
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'a file where the database directory should be');
    let failure: { code: number; stdout: string; stderr: string } | null = null;
    try {
      await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        cwd: resolve(__dirname, '../..'),
        env: { ...withoutLogLevel(), DATABASE_URL: `sqlite:${blocker}/db.sqlite`, PORT: '0' },
        timeout: 60_000,
      });
    } catch (error) {
      failure = error as { code: number; stdout: string; stderr: string };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(failure).not.toBeNull();
    expect(failure!.code).toBe(1);
    expect(failure!.stdout).toBe('');
    const lines = failure!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sandbase: failed to start: cannot open the database sqlite:.*not-a-directory\/db\.sqlite: /);
  });
});

/**
 * Another process (the CLI's import or rebuild) holding the SQLite file's
 * write lock: writes wait for it without blocking the service, which keeps
 * answering reads meanwhile; past the 10-second wait a write is a 503.
 */
describe('SQLite: another process holds the write lock', () => {
  let t: TestApp;
  let blocker: BetterSqlite3.Database;
  beforeAll(async () => {
    t = await startTestApp({}, { forceSqlite: true });
    // Like the CLI in a process of its own, it never waits synchronously for the lock: the service shares this process.
    blocker = new BetterSqlite3(t.database.config.type === 'sqlite' ? t.database.config.path : '', { timeout: 0 });
  });

  /** The file's write lock, taken once the service's own write transactions (a batch still committing) let go. */
  async function takeWriteLock(): Promise<void> {
    for (;;) {
      try {
        blocker.prepare('BEGIN IMMEDIATE').run();
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
  afterAll(async () => {
    blocker.close();
    await t.close();
  });

  it('serves reads while a write waits for the lock, then completes the write once it is released', async () => {
    const existing = await http(t, 'POST', '/v1/environments', { body: { name: 'before-lock' } });
    expect(existing.status).toBe(200);
    await takeWriteLock();
    let written: number | null = null;
    const write = http(t, 'POST', '/v1/environments', { body: { name: 'waits-for-lock' } }).then((r) => (written = r.status));
    try {
      // While the write waits, reads through the same process are answered.
      for (let i = 0; i < 5; i++) {
        const read = await http(t, 'GET', `/v1/environments/${existing.body.id}`);
        expect(read.status).toBe(200);
        expect((await http(t, 'GET', '/health/ready', { key: null })).status).toBe(200);
      }
      expect(written).toBeNull();
    } finally {
      blocker.prepare('COMMIT').run();
    }
    await write;
    expect(written).toBe(200);
    const names = (await http(t, 'GET', '/v1/environments')).body.data.map((e: { name: string }) => e.name);
    expect(names).toEqual(expect.arrayContaining(['before-lock', 'waits-for-lock']));
  });

  it('answers a write that waited the full 10 seconds with a retryable 503, and writes nothing', async () => {
    const before = (await http(t, 'GET', '/v1/environments?limit=100')).body.data.length;
    await takeWriteLock();
    let response;
    try {
      response = await http(t, 'POST', '/v1/environments', { body: { name: 'gave-up' } });
    } finally {
      blocker.prepare('COMMIT').run();
    }
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await http(t, 'GET', '/v1/environments?limit=100')).body.data.length).toBe(before);
  }, 30_000);
});
