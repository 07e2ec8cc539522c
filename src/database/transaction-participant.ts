import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from './connection';

/**
 * Something that writes into a write transaction after its work and before
 * its COMMIT, given the work's result: what it writes commits or rolls back
 * with the work. Enlisted for an asynchronous scope (a request) with
 * `withTransactionParticipant`; every write transaction begun in that scope
 * runs it.
 */
export interface TransactionParticipant {
  beforeCommit(tx: Sql, result: unknown): Promise<void>;
}

const participants = new AsyncLocalStorage<TransactionParticipant>();

export function withTransactionParticipant<T>(participant: TransactionParticipant, work: () => T): T {
  return participants.run(participant, work);
}

/** Runs `work` outside any participant's scope (a transaction of the participant's own). */
export function withoutTransactionParticipant<T>(work: () => T): T {
  return participants.exit(work);
}

export function currentTransactionParticipant(): TransactionParticipant | undefined {
  return participants.getStore();
}
