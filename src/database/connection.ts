import { QueryFailedError } from 'typeorm/error/QueryFailedError';
import { render, RenderedSql, sql, SqlDialect, SqlFragment } from './sql';
import { MAX_PARAMETERS, type TableDeclaration } from './table';

export type Row = Record<string, unknown>;

/**
 * Where a follower of the whole log stands: PostgreSQL follows it in
 * (transaction id, position) order, SQLite in position order (`xid` is '0').
 */
export interface CommitPoint {
  xid: string;
  position: number;
}

/** What Sql.followLog reads: `limit` rows of `columns` of `table` (a log with a `position`) after `after`. */
export interface LogQuery {
  table: string;
  columns: SqlFragment;
  after: CommitPoint;
  limit: number;
  /** The caller reads one snapshot, or holds a lock no appender is inside: every row it sees is final. */
  everythingVisible?: boolean;
}

/**
 * A connection or a transaction on it: SQL built with the `sql` tag, and the
 * few operations each database does its own way.
 */
export interface Sql {
  query<T = Row>(statement: SqlFragment): Promise<T[]>;
  /** Like `query`, each row as an array of its values in the order selected: no object per row, for bulk reads. */
  queryArrays(statement: SqlFragment): Promise<unknown[][]>;
  /** Runs a statement and returns the number of affected rows. */
  execute(statement: SqlFragment): Promise<number>;
  /**
   * Inserts rows (each an array of values in `columns`' order) into `table`
   * (trusted names), for bulk loads: no statement composed per row or batch
   * where the driver can repeat a prepared one (SQLite).
   */
  insertMany(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  /**
   * Holds a lock named `key` until the transaction ends (PostgreSQL: a
   * transaction-scoped advisory lock, which assigns no transaction id while
   * it waits). SQLite write transactions are serialized already.
   */
  lockKey(key: string): Promise<void>;
  /** Keeps other writers of `tables` out until the transaction ends; SQLite's write transaction does already. */
  lockTablesForWrite(tables: readonly string[]): Promise<void>;
  /**
   * One batch of an append-only log in commit order, only as far as is
   * final: no row that commits later can sort before the last one returned.
   */
  followLog<T extends Row>(query: LogQuery): Promise<(T & { xid: string })[]>;
  /**
   * Creates `name`, a temporary, empty table shaped like `table`: columns,
   * primary key (unless not `keyed`), unique constraints.
   */
  createScratchTable(table: TableDeclaration, name: string, keyed?: boolean): Promise<void>;
  /** After rows were inserted with explicit values of `column`, new rows continue after the largest. */
  advanceSequence(table: string, column: string): Promise<void>;
  /**
   * A number that differs between two transactions of this connection when
   * any other connection committed in between (SQLite's data_version); null
   * where the database cannot tell (PostgreSQL).
   */
  commitCounter(): Promise<number | null>;
  /**
   * Runs `work` with this connection's page cache held to `kib` KiB, then
   * sets it back (SQLite's cache_size, of the main and the temporary
   * database): a replay that reads most of the database once gains little
   * from a large one. As is where the database keeps none per connection.
   */
  withPageCache<T>(kib: number, work: () => Promise<T>): Promise<T>;
}

export type TransactionMode = 'write' | 'read';

/** One connection held for a series of transactions (temporary tables live as long as it). */
export interface Session extends Sql {
  transaction<T>(work: (tx: Sql) => Promise<T>, mode?: TransactionMode): Promise<T>;
}

/** What each adapter provides: see Database. */
export interface DatabaseAdapter extends Sql {
  /** Which database this is, for people (the export header names its source with it). */
  readonly label: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one write transaction: committed if it resolves, rolled
   * back if it throws.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Holds one connection for a series of transactions. A `read` transaction
   * sees one consistent snapshot and may still write TEMPORARY tables.
   */
  session<T>(work: (session: Session) => Promise<T>): Promise<T>;
  /** Resolves once the database answers; rejects if it fails or takes longer than `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  /**
   * Write transactions committed (by `transaction` and `execute`) and the
   * COMMITs that made them durable, since the database was opened: on SQLite
   * several transactions share one COMMIT (group commit).
   */
  stats(): CommitStats;
  close(): Promise<void>;
}

/** See DatabaseAdapter.stats. */
export interface CommitStats {
  transactions: number;
  commits: number;
}

/** The part of an adapter's Sql that is the same on every database: render, run, wrap driver errors. */
export abstract class SqlConnection implements Sql {
  constructor(private readonly dialect: SqlDialect) {}

  protected abstract run(statement: RenderedSql): Promise<{ rows: Row[]; affected: number }>;

  /** Rows as arrays of their values in the order selected (the driver's own form where it has one). */
  protected async runArrays(statement: RenderedSql): Promise<unknown[][]> {
    return (await this.run(statement)).rows.map((row) => Object.values(row));
  }

  private async runFragment<R>(statement: SqlFragment, run: (rendered: RenderedSql) => Promise<R>): Promise<R> {
    const rendered = render(statement, this.dialect);
    try {
      return await run(rendered);
    } catch (error) {
      if (error instanceof QueryFailedError) throw error;
      throw new QueryFailedError(rendered.text, rendered.values, error as Error);
    }
  }

  async query<T = Row>(statement: SqlFragment): Promise<T[]> {
    return (await this.runFragment(statement, (rendered) => this.run(rendered))).rows as T[];
  }

  queryArrays(statement: SqlFragment): Promise<unknown[][]> {
    return this.runFragment(statement, (rendered) => this.runArrays(rendered));
  }

  async execute(statement: SqlFragment): Promise<number> {
    return (await this.runFragment(statement, (rendered) => this.run(rendered))).affected;
  }

  /** Multi-row INSERTs, as many rows per statement as keep the parameters in bounds. */
  async insertMany(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
    for (let start = 0; start < rows.length; start += perStatement) {
      const values = sql.join(rows.slice(start, start + perStatement).map((row) => sql.tuple(row)));
      await this.execute(sql`INSERT INTO ${sql.raw(table)} (${sql.identifiers(columns)}) VALUES ${values}`);
    }
  }

  abstract lockKey(key: string): Promise<void>;
  abstract lockTablesForWrite(tables: readonly string[]): Promise<void>;
  abstract followLog<T extends Row>(query: LogQuery): Promise<(T & { xid: string })[]>;
  abstract createScratchTable(table: TableDeclaration, name: string, keyed?: boolean): Promise<void>;
  abstract advanceSequence(table: string, column: string): Promise<void>;
  abstract commitCounter(): Promise<number | null>;

  withPageCache<T>(_kib: number, work: () => Promise<T>): Promise<T> {
    return work();
  }
}
