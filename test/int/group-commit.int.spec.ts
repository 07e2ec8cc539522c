import { Database, sql, Sql } from '../../src/database/database';
import { driverErrorOf } from '../../src/database/errors';
import { createTestDatabase, TestDatabase } from '../support/database';

/**
 * Group commit on SQLite: concurrent write transactions share one COMMIT,
 * each in its own savepoint. The window is long here so that which
 * transactions share a batch depends only on their order, never on the
 * machine's speed: transactions begun in the same turn of the event loop
 * share one.
 */
describe('group commit (SQLite)', () => {
  let database: TestDatabase;
  let db: Database;

  async function open(): Promise<Database> {
    if (database.config.type !== 'sqlite') throw new Error('a SQLite test database was expected');
    return Database.open({ ...database.config, commitWindowMs: 60_000 }, { migrate: true });
  }

  beforeAll(async () => {
    database = await createTestDatabase({ forceSqlite: true });
    db = await open();
    await db.session(async (s) => {
      await s.execute(sql`CREATE TABLE gc_rows (v TEXT PRIMARY KEY)`);
      await s.execute(sql`CREATE TABLE gc_parents (id TEXT PRIMARY KEY)`);
      await s.execute(sql`CREATE TABLE gc_children (id TEXT PRIMARY KEY, parent TEXT REFERENCES gc_parents (id) DEFERRABLE INITIALLY DEFERRED)`);
      // A statement error after which SQLite abandons the whole transaction, not only the statement.
      await s.execute(
        sql`CREATE TRIGGER gc_abandon BEFORE INSERT ON gc_rows WHEN NEW.v LIKE 'abandon%' BEGIN SELECT RAISE(ROLLBACK, 'abandoned'); END`,
      );
    });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const insert = (tx: Sql, v: string) => tx.execute(sql`INSERT INTO gc_rows (v) VALUES (${v})`);

  async function rowsLike(prefix: string): Promise<string[]> {
    const rows = await db.query<{ v: string }>(sql`SELECT v FROM gc_rows WHERE v LIKE ${`${prefix}%`} ORDER BY v`);
    return rows.map((row) => row.v);
  }

  function delta(before: { transactions: number; commits: number }) {
    const after = db.stats();
    return { transactions: after.transactions - before.transactions, commits: after.commits - before.commits };
  }

  it('commits concurrent transactions together, with one COMMIT', async () => {
    const before = db.stats();
    const names = Array.from({ length: 50 }, (_, i) => `a${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((v) => db.transaction((tx) => insert(tx, v))));
    expect(delta(before)).toEqual({ transactions: 50, commits: 1 });
    expect(await rowsLike('a')).toEqual(names);
  });

  it('rolls back a failing transaction alone; its batch-mates commit, and its retry sees its rows undone', async () => {
    const before = db.stats();
    const failure = new Error('refused');
    const results = await Promise.allSettled([
      db.transaction((tx) => insert(tx, 'b1')),
      db.transaction(async (tx) => {
        await insert(tx, 'b2');
        throw failure;
      }),
      // The same row again, in the same batch: it exists only if the failed transaction was not undone.
      db.transaction((tx) => insert(tx, 'b2')),
      db.transaction((tx) => insert(tx, 'b3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(failure);
    expect(delta(before)).toEqual({ transactions: 3, commits: 1 });
    expect(await rowsLike('b')).toEqual(['b1', 'b2', 'b3']);
  });

  it('rolls back a failing first transaction of a batch alone; the ones after it commit together', async () => {
    const before = db.stats();
    const failure = new Error('refused');
    const results = await Promise.allSettled([
      db.transaction(async (tx) => {
        await insert(tx, 'k1');
        throw failure;
      }),
      db.transaction((tx) => insert(tx, 'k1')),
      db.transaction((tx) => insert(tx, 'k2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toBe(failure);
    expect(delta(before)).toEqual({ transactions: 2, commits: 1 });
    expect(await rowsLike('k')).toEqual(['k1', 'k2']);
  });

  it('rolls back a first transaction refused by a constraint, and goes on', async () => {
    await db.transaction((tx) => insert(tx, 'h1'));
    const results = await Promise.allSettled([
      db.transaction(async (tx) => {
        await insert(tx, 'h2');
        await insert(tx, 'h1');
      }),
      db.transaction((tx) => insert(tx, 'h3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(driverErrorOf((results[0] as PromiseRejectedResult).reason)?.code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(await rowsLike('h')).toEqual(['h1', 'h3']);
  });

  it('answers no transaction and shows no read its work before its batch commits', async () => {
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstAnswered = false;
    const first = db.transaction((tx) => insert(tx, 'c1')).then(() => (firstAnswered = true));
    const second = db.transaction(async (tx) => {
      await insert(tx, 'c2');
      entered();
      await gate;
    });
    await inside;
    // c1's transaction is done, c2's is running: both wait for the batch's COMMIT.
    expect(await rowsLike('c')).toEqual([]);
    expect(firstAnswered).toBe(false);
    // A session gets the writer once the open batch committed.
    const inSession = db.session((s) => s.query<{ v: string }>(sql`SELECT v FROM gc_rows WHERE v LIKE 'c%' ORDER BY v`));
    release();
    await Promise.all([first, second]);
    expect(firstAnswered).toBe(true);
    expect((await inSession).map((row) => row.v)).toEqual(['c1', 'c2']);
    expect(await rowsLike('c')).toEqual(['c1', 'c2']);
  });

  it('rejects every transaction of a batch whose COMMIT fails, and commits the next batch', async () => {
    const before = db.stats();
    const results = await Promise.allSettled([
      db.transaction((tx) => insert(tx, 'd1')),
      // Accepted now, refused at COMMIT: the deferred foreign key has no parent.
      db.transaction((tx) => tx.execute(sql`INSERT INTO gc_children (id, parent) VALUES ('orphan', 'missing')`)),
      db.transaction((tx) => insert(tx, 'd3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) expect(driverErrorOf((result as PromiseRejectedResult).reason)?.code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    expect(delta(before)).toEqual({ transactions: 0, commits: 0 });
    expect(await rowsLike('d')).toEqual([]);
    expect(await db.query(sql`SELECT id FROM gc_children`)).toEqual([]);

    await db.transaction((tx) => insert(tx, 'd4'));
    expect(await rowsLike('d')).toEqual(['d4']);
  });

  it('rejects every transaction of a batch that SQLite abandoned, not only the failing one; the next ones start a new batch', async () => {
    const results = await Promise.allSettled([
      db.transaction((tx) => insert(tx, 'e1')),
      db.transaction((tx) => insert(tx, 'e2')),
      db.transaction((tx) => insert(tx, 'abandon-e3')),
      db.transaction((tx) => insert(tx, 'e4')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled']);
    for (const result of results.slice(0, 3)) {
      expect(driverErrorOf((result as PromiseRejectedResult).reason)?.code).toBe('SQLITE_CONSTRAINT_TRIGGER');
    }
    expect(await rowsLike('e')).toEqual(['e4']);
  });

  it('commits a write outside a transaction, visible at once and after the database is reopened', async () => {
    const before = db.stats();
    expect(await db.execute(sql`INSERT INTO gc_rows (v) VALUES ('f1')`)).toBe(1);
    expect(delta(before)).toEqual({ transactions: 1, commits: 1 });
    expect(await rowsLike('f')).toEqual(['f1']);
    await db.close();
    db = await open();
    expect(await rowsLike('f')).toEqual(['f1']);
  });

  it('reads outside a transaction on a connection that cannot write', async () => {
    await expect(db.query(sql`INSERT INTO gc_rows (v) VALUES ('g1')`)).rejects.toThrow(/readonly/i);
    expect(await rowsLike('g')).toEqual([]);
  });
});
