import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { randomBase62 } from '../../src/common/ids';
import { runCli } from '../support/cli';
import { usingPostgres } from '../support/database';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(600_000);

const exec = promisify(execFile);
const onPostgres = usingPostgres() ? describe : describe.skip;

/** The recipe of docs/self-hosting.md ("Backup and restore", PostgreSQL), step by step. */
onPostgres('backup and restore on PostgreSQL with pg_dump and pg_restore (skipped on SQLite: `sandbase backup` covers it)', () => {
  let t: TestApp;
  let dir: string;
  const restoredName = `sandbase_restored_${randomBase62(10).toLowerCase()}`;
  let restoredUrl: string;

  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'sandbase-pgdump-'));
    const target = new URL(t.database.url);
    target.pathname = `/${restoredName}`;
    restoredUrl = target.toString();
  });

  afterAll(async () => {
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
    await admin.end();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pg_dump restored with pg_restore into a fresh database verifies and serves the same data', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const created = await http(t, 'POST', '/v1/environments', { body: { name: `dumped-${i}` } });
      expect(created.status).toBe(200);
      ids.push(created.body.id);
    }
    const dump = join(dir, 'sandbase.dump');
    await exec('pg_dump', ['--format=custom', '--no-owner', `--file=${dump}`, `--dbname=${t.database.url}`]);
    await exec('createdb', [`--maintenance-db=${process.env.DATABASE_URL}`, restoredName]);
    await exec('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dump]);

    for (const check of [['audit', 'verify'], ['projections', 'verify']]) {
      const result = await runCli(check, { DATABASE_URL: restoredUrl });
      expect([check, result.code]).toEqual([check, 0]);
    }
    const restored = await startTestApp({}, { databaseUrl: restoredUrl });
    try {
      for (const id of ids) expect((await http(restored, 'GET', `/v1/environments/${id}`, { key: t.key })).status).toBe(200);
    } finally {
      await restored.close();
    }
  });

  it('sandbase backup and restore exit 2 and point to the pg_dump recipe', async () => {
    for (const args of [['backup', '--out', join(dir, 'x.sqlite')], ['restore', '--from', join(dir, 'x.sqlite')]]) {
      const result = await runCli(args, { DATABASE_URL: t.database.url });
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stderr).toContain('on PostgreSQL, back up and restore with pg_dump and pg_restore');
    }
  });
});
