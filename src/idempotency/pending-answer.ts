import type { Sql } from '../database/database';
import { currentTransactionParticipant, TransactionParticipant } from '../database/transaction-participant';
import { isStoredFailure } from './idempotency-key';
import type { Claim, IdempotencyRecords } from './idempotency-records';

/** Turns a command transaction's result into the answer's body (the route's own presentation), inside that transaction. */
export type Presenter<R> = (result: R, tx: Sql) => unknown;

/**
 * The answer of a request that holds an Idempotency-Key claim. Enlisted in
 * the request's write transactions: with the presenter the route registered
 * (`answerWith`), it stores the answer in the command's transaction, before
 * COMMIT, so the events and the stored answer commit together. A route
 * without a presenter has its answer stored once it is known.
 */
export class PendingAnswer implements TransactionParticipant {
  private presenter: Presenter<never> | null = null;
  private storedWithCommand = false;

  constructor(
    private readonly records: IdempotencyRecords,
    private readonly claim: Claim,
    private readonly status: number,
  ) {}

  present<R>(presenter: Presenter<R>): void {
    this.presenter = presenter as Presenter<never>;
  }

  async beforeCommit(tx: Sql, result: unknown): Promise<void> {
    if (!this.presenter) return;
    await this.records.complete(tx, this.claim, this.status, await this.presenter(result as never, tx));
    this.storedWithCommand = true;
  }

  async succeeded(body: unknown): Promise<void> {
    if (!this.storedWithCommand) await this.records.completeAlone(this.claim, this.status, body);
  }

  /**
   * A failed request: its answer is stored if it is one that is replayed,
   * else the key is released for a retry. Its command's transactions rolled
   * back (an attempt retried after a version clash may have enlisted the
   * answer and then rolled back too), so this never trusts `storedWithCommand`;
   * both writes are conditional on the claim still running, and a claim no
   * longer running is left as it is.
   */
  async failed(status: number, body: unknown): Promise<void> {
    if (isStoredFailure(status)) await this.records.completeAlone(this.claim, status, body).catch(() => this.records.release(this.claim));
    else await this.records.release(this.claim);
  }
}

/**
 * Registers how a route presents its command's result, so that a request
 * with an Idempotency-Key stores its answer in the command's transaction.
 * Does nothing for a request without one.
 */
export function answerWith<R>(presenter: Presenter<R>): void {
  const participant = currentTransactionParticipant();
  if (participant instanceof PendingAnswer) participant.present(presenter);
}
