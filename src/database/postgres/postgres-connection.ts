import type { PoolClient } from 'pg';
import { LogQuery, Row, SqlConnection } from '../connection';
import { RenderedSql, sql, SqlDialect } from '../sql';
import { scratchTableStatement, TableDeclaration } from '../table';
import { isQueryTimeout } from './postgres-errors';

const POSTGRES: SqlDialect = {
  database: 'postgres',
  placeholder: (index, part) => (part.kind === 'timestamp' ? `$${index}::timestamptz` : `$${index}`),
  syntax: (part) => (part.kind === 'for_update' ? ' FOR UPDATE' : 'transaction_id::text'),
};

const TYPES = { id: 'text COLLATE "C"', text: 'text', integer: 'integer', bigint: 'bigint', timestamp: 'timestamptz', json: 'jsonb' } as const;

/** Statements on one pooled connection, held until `release`. */
export class PostgresSql extends SqlConnection {
  private released = false;
  /** The connection broke while held (the server went away between statements): the next statement fails, and release discards it. */
  private lost: Error | undefined;
  private readonly onLost = (error: Error) => {
    this.lost ??= error;
  };

  constructor(private readonly client: PoolClient) {
    super(POSTGRES);
    // The pool listens for errors of idle connections only: without this, a held one that breaks would crash the process.
    client.on('error', this.onLost);
  }

  protected async run({ text, values }: RenderedSql): Promise<{ rows: Row[]; affected: number }> {
    try {
      const result = await this.client.query(text, values);
      return { rows: result.rows as Row[], affected: result.rowCount ?? 0 };
    } catch (error) {
      if (isQueryTimeout(error)) this.release(error as Error);
      throw error;
    }
  }

  /**
   * Back to the pool; with an error, the connection is discarded instead. A
   * connection whose query timed out on the client is: the server may still
   * answer that query later. Closing the socket frees it even if the network
   * never delivers the goodbye.
   */
  release(error?: Error): void {
    if (this.released) return;
    this.released = true;
    this.client.off('error', this.onLost);
    error ??= this.lost;
    this.client.release(error);
    if (error) this.client.connection.stream.destroy();
  }

  get isReleased(): boolean {
    return this.released;
  }

  async lockKey(key: string): Promise<void> {
    await this.query(sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
  }

  /** EXCLUSIVE mode waits for writers in flight and keeps new ones out; readers go on. */
  async lockTablesForWrite(tables: readonly string[]): Promise<void> {
    await this.execute(sql.raw(`LOCK TABLE ${tables.join(', ')} IN EXCLUSIVE MODE`));
  }

  /**
   * Positions come from a sequence, so a transaction can commit position 11
   * while position 10 is still in flight; a follower that took 11 and moved
   * on would skip 10 forever. Instead the log is read in transaction id order
   * and only up to the oldest transaction still running
   * (`pg_snapshot_xmin`): every row below that mark is final, and every row
   * written later has a larger transaction id. Appends to one organization
   * take its lock before their first write, so within an organization
   * transaction id order is the append order.
   */
  followLog<T extends Row>({ table, columns, after, limit, everythingVisible }: LogQuery): Promise<(T & { xid: string })[]> {
    const horizon = sql.when(!everythingVisible, () => sql` AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`);
    return this.query<T & { xid: string }>(
      sql`SELECT ${columns}, transaction_id::text AS xid FROM ${sql.raw(table)}
          WHERE (transaction_id, position) > (${after.xid}::xid8, ${after.position})${horizon}
          ORDER BY transaction_id, position LIMIT ${limit}`,
    );
  }

  async createScratchTable(table: TableDeclaration, name: string, keyed = true): Promise<void> {
    await this.execute(sql`DROP TABLE IF EXISTS ${sql.raw(name)}`);
    await this.execute(scratchTableStatement(table, name, TYPES, keyed));
  }

  /** PostgreSQL keeps no such number. */
  async commitCounter(): Promise<null> {
    return null;
  }

  async advanceSequence(table: string, column: string): Promise<void> {
    await this.query(
      sql`SELECT setval(pg_get_serial_sequence(${table}, ${column}), GREATEST((SELECT MAX(${sql.raw(column)}) FROM ${sql.raw(table)}), 1))`,
    );
  }
}
