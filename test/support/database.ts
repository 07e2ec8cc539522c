import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { randomBase62 } from '../../src/common/ids';
import type { DatabaseConfig } from '../../src/config/config';
import { parseDatabaseUrl } from '../../src/config/config';

/**
 * A fresh, empty database for one test file: a temporary SQLite file, or, when
 * DATABASE_URL is a postgres:// URL, a new PostgreSQL database created next to
 * the one it names (dropped again by `drop`).
 */
export interface TestDatabase {
  config: DatabaseConfig;
  url: string;
  drop(): Promise<void>;
}

export function usingPostgres(): boolean {
  return /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
}

export async function createTestDatabase(options: { forceSqlite?: boolean } = {}): Promise<TestDatabase> {
  if (options.forceSqlite || !usingPostgres()) {
    const dir = mkdtempSync(join(tmpdir(), 'sandbase-test-'));
    const url = `sqlite:${join(dir, 'test.sqlite')}`;
    return { config: parseDatabaseUrl(url), url, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = new URL(process.env.DATABASE_URL!);
  const name = `sandbase_test_${randomBase62(12).toLowerCase()}`;
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(base.toString());
  target.pathname = `/${name}`;
  const url = target.toString();
  return {
    config: parseDatabaseUrl(url, { DATABASE_POOL_SIZE: '20' }),
    url,
    drop: async () => {
      const client = new Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
