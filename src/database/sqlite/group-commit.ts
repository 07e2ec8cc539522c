import type BetterSqlite3 from 'better-sqlite3';
import type { CommitStats, Sql } from '../connection';
import { finishTransaction } from '../database-base';
import { SQLITE_LOCK_WAIT_MS } from '../data-source';
import { Mutex } from '../mutex';
import { sql } from '../sql';

/**
 * How long a batch stays open for more transactions, counted from its BEGIN
 * (0: every transaction commits alone). It only matters while transactions
 * keep arriving back to back (a batch commits as soon as none waits): then it
 * is how many share one fsync. At 2 ms, a busy writer committed every two to
 * four creates, and the COMMITs took over a third of the event loop; at 10 ms
 * batches of a dozen or more share one (BENCHMARKS.md, "Commit window").
 */
export const COMMIT_WINDOW_MS = 10;
/** How many transactions one batch holds at most. */
export const MAX_BATCH_TRANSACTIONS = 256;

export interface GroupCommitLimits {
  windowMs: number;
  maxTransactions: number;
}

/** What the writer needs of its connection: statements, and BEGIN IMMEDIATE that does not wait for another process. */
export interface WriterConnection extends Sql {
  beginImmediateWithoutWaiting(last: boolean): Promise<boolean>;
}

/** One open SQLite transaction shared by the transactions that joined it; settles when it commits or fails. */
class Batch {
  readonly opened = performance.now();
  /** Transactions that ran in it, failed ones included (the bound). */
  members = 0;
  /** Transactions whose work it holds (their savepoints were released). */
  held = 0;
  readonly committed: Promise<void>;
  succeed!: () => void;
  fail!: (error: unknown) => void;

  constructor() {
    this.committed = new Promise<void>((resolve, reject) => {
      this.succeed = resolve;
      this.fail = reject;
    });
    // A batch whose every transaction failed has nobody waiting for it.
    this.committed.catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Group commit on SQLite's one writer connection. Transactions still run one
 * at a time, in arrival order, but inside one open transaction (a batch),
 * each after the first in a SAVEPOINT of its own: a transaction that fails
 * is rolled back to its savepoint (the first: the batch is rolled back, it
 * held nothing else) and rejected alone, and the others of its batch are
 * untouched. The batch commits (one fsync for all of them) once nobody else
 * is waiting for the writer, after a yield to the event loop so that
 * requests arriving together join, or once it has been open `windowMs` or
 * holds `maxTransactions`. A transaction's promise resolves only after its
 * batch's COMMIT returned: nothing is acknowledged before it is durable. If
 * the COMMIT fails, or a statement error makes SQLite abandon the whole
 * transaction (disk full, I/O error, RAISE(ROLLBACK)), every transaction of
 * the batch is rejected with that error.
 *
 * While a batch is open its work is visible on this connection only: reads
 * outside a transaction go to another connection, which sees committed data.
 */
export class GroupCommitWriter<C extends WriterConnection = WriterConnection> {
  private readonly lock = new Mutex();
  private open: Batch | null = null;
  /** Whether temporary files (savepoint sub-journals) are kept in memory now: see `begin`. */
  private tempInMemory = false;
  private readonly counts: CommitStats = { transactions: 0, commits: 0 };

  constructor(
    private readonly connection: C,
    private readonly handle: BetterSqlite3.Database,
    private readonly limits: GroupCommitLimits,
  ) {}

  stats(): CommitStats {
    return { ...this.counts };
  }

  /**
   * While another process (the CLI) holds the file's write lock, the wait
   * happens here, asynchronously and without holding the writer: other
   * requests (reads, health) are served meanwhile, where SQLite's own busy
   * wait would block the process. After SQLITE_LOCK_WAIT_MS the lock error
   * is thrown (a 503).
   */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const joined = await this.lock.run(async () => {
        const batch = this.open ?? (await this.begin(Date.now() >= deadline));
        if (!batch) return null;
        try {
          return { batch, value: await this.inSavepoint(batch, work) };
        } finally {
          if (this.open === batch) await this.commitWhenDue(batch);
        }
      });
      if (joined) {
        await joined.batch.committed;
        return joined.value;
      }
      await sleep(delay);
    }
  }

  /** The writer alone for `work` (its own transactions, temporary tables), after the open batch committed. */
  exclusive<T>(work: (connection: C) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      if (this.open) await this.commit(this.open);
      // A session's temporary tables (a rebuild's scratch copies) may be large: on disk, as SQLite keeps them by default.
      if (this.tempInMemory) await this.setTempStore('DEFAULT');
      return work(this.connection);
    });
  }

  /**
   * Opens a batch. Where batches are shared, SQLite keeps temporary files in
   * memory first: each savepoint's sub-journal (every page a transaction
   * changes, copied before it changes it) is then a memory buffer instead
   * of a file written through the page cache and spilled past 64 KiB. It is
   * set outside a transaction, as SQLite requires once temporary tables
   * exist; switching drops any a session left behind (its scratch tables,
   * which a session that finishes drops itself).
   */
  private async begin(last: boolean): Promise<Batch | null> {
    if (!this.tempInMemory && this.limits.maxTransactions > 1) await this.setTempStore('MEMORY');
    if (!(await this.connection.beginImmediateWithoutWaiting(last))) return null;
    this.open = new Batch();
    return this.open;
  }

  /**
   * The first transaction of a batch is alone in it, so it needs no
   * savepoint: a ROLLBACK undoes it and nothing else, and the next
   * transaction opens a new batch. That spares it the savepoint's
   * sub-journal, where SQLite copies every page the transaction changes
   * first (past 64 KiB, into a temporary file it creates and removes at
   * COMMIT). The transactions after it each run in a savepoint.
   */
  private async inSavepoint<T>(batch: Batch, work: (tx: Sql) => Promise<T>): Promise<T> {
    const alone = ++batch.members === 1;
    let rolledBack = true;
    if (!alone) await this.connection.execute(sql`SAVEPOINT one_transaction`);
    try {
      // The participant (an Idempotency-Key answer) writes inside the transaction, before RELEASE.
      const value = await finishTransaction(this.connection, work, {
        commit: () => (alone ? Promise.resolve() : this.connection.execute(sql`RELEASE one_transaction`)),
        rollback: async () => {
          rolledBack = false;
          if (alone) {
            await this.connection.execute(sql`ROLLBACK`);
          } else {
            await this.connection.execute(sql`ROLLBACK TO one_transaction`);
            await this.connection.execute(sql`RELEASE one_transaction`);
          }
          rolledBack = true;
        },
      });
      batch.held++;
      return value;
    } catch (error) {
      // The batch is over: this transaction was alone in it and is rolled back, or SQLite
      // abandoned the whole transaction, or the savepoint could not be undone.
      if (alone || !rolledBack || !this.handle.inTransaction) await this.abandon(batch, error);
      throw error;
    }
  }

  private async setTempStore(mode: 'MEMORY' | 'DEFAULT'): Promise<void> {
    await this.connection.execute(sql.raw(`PRAGMA temp_store = ${mode}`));
    this.tempInMemory = mode === 'MEMORY';
  }

  /** Commits now if the batch reached a bound; else once nobody is waiting for the writer after this turn of the event loop. */
  private async commitWhenDue(batch: Batch): Promise<void> {
    if (batch.members >= this.limits.maxTransactions || performance.now() - batch.opened >= this.limits.windowMs) {
      await this.commit(batch);
      return;
    }
    // Whoever is waiting runs in this batch and checks again when done; a session commits it first.
    setImmediate(() => {
      if (this.open !== batch || !this.lock.idle) return;
      void this.lock.run(async () => {
        if (this.open === batch) await this.commit(batch);
      });
    });
  }

  private async commit(batch: Batch): Promise<void> {
    this.open = null;
    try {
      await this.connection.execute(sql`COMMIT`);
    } catch (error) {
      // A failed COMMIT (a deferred constraint, an I/O error) may leave the transaction open.
      if (this.handle.inTransaction) await this.connection.execute(sql`ROLLBACK`).catch(() => undefined);
      batch.fail(error);
      return;
    }
    this.counts.commits++;
    this.counts.transactions += batch.held;
    batch.succeed();
  }

  private async abandon(batch: Batch, error: unknown): Promise<void> {
    this.open = null;
    if (this.handle.inTransaction) await this.connection.execute(sql`ROLLBACK`).catch(() => undefined);
    batch.fail(error);
  }

  /** Commits the open batch; afterwards nothing is left uncommitted. */
  async close(): Promise<void> {
    await this.lock.run(async () => {
      if (this.open) await this.commit(this.open);
    });
  }
}
