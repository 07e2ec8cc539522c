import type BetterSqlite3 from 'better-sqlite3';
import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import { LogQuery, Row, SqlConnection } from '../connection';
import { RenderedSql, sql, SqlDialect } from '../sql';
import { scratchTableStatement, TableDeclaration } from '../table';

const SQLITE: SqlDialect = {
  database: 'sqlite',
  placeholder: () => '?',
  // Position order is commit order on SQLite (one writer at a time); rows need no row locks.
  syntax: (part) => (part.kind === 'commit_order' ? "'0'" : ''),
};

const TYPES = { id: 'TEXT', text: 'TEXT', integer: 'INTEGER', bigint: 'INTEGER', timestamp: 'TEXT', json: 'TEXT' } as const;

/**
 * Prepared statements by text, the least recently used dropped past `size`.
 * A hit only stamps its entry: moving it to the end of the Map (delete and
 * set again) cost more than the statement's own work on the hot paths, and
 * eviction, rare once the working set fits, scans for the oldest stamp.
 */
export class StatementCache {
  private readonly statements = new Map<string, { statement: BetterSqlite3.Statement; used: number }>();
  private clock = 0;

  constructor(
    private readonly handle: BetterSqlite3.Database,
    private readonly size = 200,
  ) {}

  get(text: string): BetterSqlite3.Statement {
    const entry = this.statements.get(text);
    if (entry) {
      entry.used = ++this.clock;
      return entry.statement;
    }
    const statement = this.handle.prepare(text);
    if (this.statements.size >= this.size) this.evictOldest();
    this.statements.set(text, { statement, used: ++this.clock });
    return statement;
  }

  private evictOldest(): void {
    let oldest: string | undefined;
    let stamp = Infinity;
    for (const [text, { used }] of this.statements) {
      if (used < stamp) [oldest, stamp] = [text, used];
    }
    if (oldest !== undefined) this.statements.delete(oldest);
  }
}

const parameters = (values: unknown[]) => values.map((value) => (typeof value === 'boolean' ? Number(value) : value));

/**
 * Statements on the single better-sqlite3 connection. Callers serialize
 * their use of it (SqliteDatabase's mutex).
 */
export class SqliteSql extends SqlConnection {
  constructor(protected readonly statements: StatementCache) {
    super(SQLITE);
  }

  protected async run({ text, values }: RenderedSql): Promise<{ rows: Row[]; affected: number }> {
    const statement = this.statements.get(text);
    if (statement.reader) return { rows: statement.all(...parameters(values)) as Row[], affected: 0 };
    return { rows: [], affected: statement.run(...parameters(values)).changes };
  }

  protected override async runArrays({ text, values }: RenderedSql): Promise<unknown[][]> {
    const statement = this.statements.get(text).raw(true);
    try {
      return statement.all(...parameters(values)) as unknown[][];
    } finally {
      statement.raw(false);
    }
  }

  /** One prepared single-row INSERT, run for each row. */
  override async insertMany(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    if (!rows.length) return;
    const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    const statement = this.statements.get(text);
    let row: unknown[] | undefined;
    try {
      for (row of rows) statement.run(...parameters(row));
    } catch (error) {
      throw new QueryFailedError(text, row ?? [], error as Error);
    }
  }

  /** Write transactions are serialized (one connection, BEGIN IMMEDIATE): nothing to lock. */
  async lockKey(): Promise<void> {}

  async lockTablesForWrite(): Promise<void> {}

  /** One writer commits at a time, so position order is final as soon as a row is visible. */
  followLog<T extends Row>({ table, columns, after, limit }: LogQuery): Promise<(T & { xid: string })[]> {
    return this.query<T & { xid: string }>(
      sql`SELECT ${columns}, '0' AS xid FROM ${sql.raw(table)} WHERE position > ${after.position} ORDER BY position LIMIT ${limit}`,
    );
  }

  async createScratchTable(table: TableDeclaration, name: string, keyed = true): Promise<void> {
    await this.execute(sql`DROP TABLE IF EXISTS ${sql.raw(name)}`);
    await this.execute(scratchTableStatement(table, name, TYPES, keyed));
  }

  /** AUTOINCREMENT continues after the largest value inserted, explicit or not. */
  async advanceSequence(): Promise<void> {}

  override async withPageCache<T>(kib: number, work: () => Promise<T>): Promise<T> {
    const before: string[] = [];
    for (const schema of ['main', 'temp']) {
      const [row] = await this.query<{ cache_size: number }>(sql.raw(`PRAGMA ${schema}.cache_size`));
      before.push(`PRAGMA ${schema}.cache_size = ${Number(row.cache_size)}`);
      await this.execute(sql.raw(`PRAGMA ${schema}.cache_size = ${-Math.round(kib)}`));
    }
    try {
      return await work();
    } finally {
      for (const restore of before) await this.execute(sql.raw(restore));
    }
  }

  /** Read inside a transaction, it is that transaction's snapshot's: it changes with every commit of another connection. */
  async commitCounter(): Promise<number> {
    const rows = await this.query<{ data_version: number }>(sql`PRAGMA data_version`);
    return Number(rows[0].data_version);
  }
}
