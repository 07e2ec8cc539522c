import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBase62 } from '../../src/common/ids';
import { runCli } from '../support/cli';
import { usingPostgres } from '../support/database';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { sql } from '../../src/database/database';
import { http, startTestApp } from '../support/test-app';

jest.setTimeout(900_000);

/**
 * `sandbase backup` copies a SQLite file; on PostgreSQL pg_dump does, which
 * backup-postgres.e2e.spec.ts covers.
 */
const onSqlite = usingPostgres() ? describe.skip : describe;

onSqlite('backup and restore of a SQLite database (skipped on PostgreSQL: pg_dump makes its backups)', () => {
  let dir: string;
  const key = `sk-sb-${randomBase62(32)}`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbase-backup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a backup taken while the service takes writes verifies, holds every write acknowledged before it, and restores into a service that serves them', async () => {
    const live = `sqlite:${join(dir, 'live.sqlite')}`;
    const out = join(dir, 'backup.sqlite');
    const service = await startServiceProcess({ DATABASE_URL: live, SANDBASE_BOOTSTRAP_API_KEY: key });
    let restored: ServiceProcess | null = null;
    try {
      const client = { baseUrl: service.baseUrl, key };
      const acknowledged: string[] = [];
      let writing = true;
      const writer = async (n: number) => {
        for (let i = 0; writing; i++) {
          const created = await http(client, 'POST', '/v1/environments', { body: { name: `load-${n}-${i}` } });
          expect(created.status).toBe(200);
          acknowledged.push(created.body.id);
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      while (acknowledged.length < 40) await new Promise((resolve) => setTimeout(resolve, 50));

      const before = [...acknowledged];
      const backup = await runCli(['backup', '--out', out], { DATABASE_URL: live });
      const duringBackup = acknowledged.length - before.length;
      writing = false;
      await Promise.all(writers);

      expect([backup.code, backup.stderr.split('\n').filter((line) => /error/i.test(line))]).toEqual([0, []]);
      expect(backup.stdout).toMatch(/audit log verifies/);
      expect(backup.stdout).toMatch(/Projections match the event log/);
      expect(backup.stdout).toContain(`backup written to ${out}`);
      // The service kept writing while the copy was made.
      expect(duringBackup).toBeGreaterThan(0);

      // The copy stands on its own: both checks pass on it.
      for (const check of [['audit', 'verify'], ['projections', 'verify']]) {
        const result = await runCli(check, { DATABASE_URL: `sqlite:${out}` });
        expect([check, result.code]).toEqual([check, 0]);
      }

      // A backup is never overwritten by accident, and a database in use is never restored over.
      const backupBytes = readFileSync(out);
      const [again, overRunning] = await Promise.all([
        runCli(['backup', '--out', out], { DATABASE_URL: live }),
        runCli(['restore', '--from', out, '--force'], { DATABASE_URL: live }),
      ]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`${out} already exists; choose a new file, or --force to replace it`);
      expect(readFileSync(out).equals(backupBytes)).toBe(true);
      expect(overRunning.code).toBe(1);
      expect(overRunning.stderr).toContain('is in use by another process');
      expect((await http(client, 'GET', `/v1/environments/${before[0]}`)).status).toBe(200);

      // Restored into a fresh path, the backup is served: every write acknowledged before it began.
      const fresh = join(dir, 'restored', 'sandbase.sqlite');
      const restore = await runCli(['restore', '--from', out], { DATABASE_URL: `sqlite:${fresh}` });
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain(`restored ${out} into ${fresh}`);
      expect(existsSync(`${fresh}-wal`)).toBe(false);
      restored = await startServiceProcess({ DATABASE_URL: `sqlite:${fresh}` });
      const missing: string[] = [];
      for (const id of before) {
        const got = await http({ baseUrl: restored.baseUrl, key }, 'GET', `/v1/environments/${id}`);
        if (got.status !== 200) missing.push(`${id}: ${got.status}`);
      }
      expect(missing).toEqual([]);
    } finally {
      await service.stop();
      await restored?.stop();
    }
  });

  it('a backup of a database whose audit chain was altered exits 1 naming the problem, and writes no file', async () => {
    const t = await startTestApp({}, { forceSqlite: true });
    try {
      expect((await http(t, 'POST', '/v1/environments', { body: { name: 'to-be-altered' } })).status).toBe(200);
      await t.db.execute(sql`UPDATE events SET data = ${'{"name":"rewritten"}'} WHERE position = (SELECT MAX(position) FROM events)`);
      const out = join(dir, 'altered.sqlite');
      const result = await runCli(['backup', '--out', out], { DATABASE_URL: t.database.url });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/FAILED .*was altered/);
      expect(result.stdout).toContain(`backup does NOT verify; nothing was written to ${out}`);
      expect(existsSync(out)).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('restore refuses to replace an existing database without --force, and a file that is not a verified backup', async () => {
    const target = join(dir, 'target.sqlite');
    writeFileSync(target, 'the current database');
    const backup = join(dir, 'backup.sqlite');
    const refused = await runCli(['restore', '--from', backup], { DATABASE_URL: `sqlite:${target}` });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${target} already exists; --force replaces it`);
    expect(readFileSync(target, 'utf8')).toBe('the current database');

    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'not a database at all');
    const fresh = join(dir, 'fresh.sqlite');
    const failed = await runCli(['restore', '--from', junk], { DATABASE_URL: `sqlite:${fresh}` });
    expect(failed.code).toBe(1);
    expect(existsSync(fresh)).toBe(false);
  });
});
