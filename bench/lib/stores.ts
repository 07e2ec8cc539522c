/**
 * Where a server under test keeps its data: a SQLite file in the run's
 * scratch folder, or (Sandbase with DATABASE_URL=postgres://...) a PostgreSQL
 * database next to the one named. A seeded store is copied for each fresh
 * process (a file copy; CREATE DATABASE ... TEMPLATE on PostgreSQL).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';

export interface Store {
  /** DATABASE_URL for Sandbase. */
  readonly url: string;
  /** The SQLite file (SQLite stores only). */
  readonly file?: string;
  /** Bytes on disk; for SQLite the file plus its WAL after a checkpoint (which waits for no writer: call it while the server is idle or stopped). */
  bytes(): Promise<number>;
  clone(label: string): Promise<Store>;
  drop(): Promise<void>;
}

let counter = 0;
const uniqueName = (label: string) => `${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${process.pid}_${++counter}`;

class SqliteStore implements Store {
  readonly url: string;
  constructor(
    private readonly dir: string,
    readonly file: string,
  ) {
    this.url = `sqlite:${file}`;
  }

  static create(root: string, label: string): SqliteStore {
    const dir = join(root, uniqueName(label));
    mkdirSync(dir, { recursive: true });
    return new SqliteStore(dir, join(dir, 'data.sqlite'));
  }

  async bytes(): Promise<number> {
    const db = new Database(this.file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const wal = `${this.file}-wal`;
    return statSync(this.file).size + (existsSync(wal) ? statSync(wal).size : 0);
  }

  async clone(label: string): Promise<Store> {
    const copy = SqliteStore.create(join(this.dir, '..'), label);
    copyFileSync(this.file, copy.file);
    if (existsSync(`${this.file}-wal`)) copyFileSync(`${this.file}-wal`, `${copy.file}-wal`);
    return copy;
  }

  async drop(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class PostgresStore implements Store {
  readonly url: string;
  constructor(
    private readonly base: string,
    private readonly name: string,
  ) {
    const url = new URL(base);
    url.pathname = `/${name}`;
    this.url = url.toString();
  }

  static async create(base: string, label: string, template?: string): Promise<PostgresStore> {
    const store = new PostgresStore(base, `bench_${uniqueName(label)}`);
    await store.admin(`CREATE DATABASE ${store.name}${template ? ` TEMPLATE ${template}` : ''}`);
    return store;
  }

  private async admin<T>(text: string): Promise<T[]> {
    const client = new Client({ connectionString: this.base });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async bytes(): Promise<number> {
    const [row] = await this.admin<{ size: string }>(`SELECT pg_database_size('${this.name}') AS size`);
    return Number(row.size);
  }

  clone(label: string): Promise<Store> {
    return PostgresStore.create(this.base, label, this.name);
  }

  async drop(): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}

export type StoreKind = { type: 'sqlite'; root: string } | { type: 'postgres'; base: string; root: string };

export async function newStore(kind: StoreKind, label: string): Promise<Store> {
  return kind.type === 'sqlite' ? SqliteStore.create(kind.root, label) : PostgresStore.create(kind.base, label);
}
