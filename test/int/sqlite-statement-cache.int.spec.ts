import BetterSqlite3 from 'better-sqlite3';
import { StatementCache } from '../../src/database/sqlite/sqlite-connection';

/** The prepared-statement cache on a real (in-memory) SQLite connection: how often it prepares, and what it keeps. */
describe('SQLite statement cache', () => {
  let handle: BetterSqlite3.Database;
  let prepared: string[];

  beforeEach(() => {
    handle = new BetterSqlite3(':memory:');
    prepared = [];
    const prepare = handle.prepare.bind(handle);
    handle.prepare = ((text: string) => {
      prepared.push(text);
      return prepare(text);
    }) as typeof handle.prepare;
  });
  afterEach(() => handle?.close());

  const text = (n: number) => `SELECT ${n} AS n`;

  it('prepares a text once and hands back the same statement, which runs', () => {
    const cache = new StatementCache(handle, 3);
    const first = cache.get(text(1));
    expect(cache.get(text(1))).toBe(first);
    expect(first.get()).toEqual({ n: 1 });
    expect(prepared).toEqual([text(1)]);
  });

  it('drops the least recently used statement past its size, not the least recently prepared', () => {
    const cache = new StatementCache(handle, 3);
    [1, 2, 3].forEach((n) => cache.get(text(n)));
    cache.get(text(1)); // 2 is now the least recently used
    cache.get(text(4)); // evicts 2
    prepared.length = 0;
    [1, 3, 4].forEach((n) => cache.get(text(n)));
    expect(prepared).toEqual([]);
    cache.get(text(2));
    expect(prepared).toEqual([text(2)]);
    // 2 came back in place of 1, the least recently used of 1, 3, 4 then.
    prepared.length = 0;
    [2, 3, 4].forEach((n) => cache.get(text(n)));
    expect(prepared).toEqual([]);
    cache.get(text(1));
    expect(prepared).toEqual([text(1)]);
  });
});
