import { Inject, Injectable } from '@nestjs/common';
import { randomBase62 } from '../common/ids';
import { Database, DATABASE, sql, Sql } from '../database/database';
import { defineTable } from '../database/table';
import { withoutTransactionParticipant } from '../database/transaction-participant';
import { ClaimDecision, decideClaim, StoredRecord } from './idempotency-key';

export const idempotencyRecords = defineTable({
  name: 'idempotency_records',
  columns: {
    record_key: 'id',
    api_key_id: 'id',
    idempotency_key: 'text',
    request_hash: 'text',
    state: 'text',
    claim_token: 'text',
    status: 'integer?',
    response: 'text?',
    claimed_at: 'timestamp',
    expires_at: 'timestamp',
  },
  primaryKey: 'record_key',
});

/** The request that holds a key: its row, and the token that proves it still holds it. */
export interface Claim {
  recordKey: string;
  token: string;
}

export type ClaimOutcome = { kind: 'claimed'; claim: Claim } | Exclude<ClaimDecision, { kind: 'take_over' }>;

/** An API key id has no `/`, so the pair maps to one text key. */
function recordKeyOf(apiKeyId: string, idempotencyKey: string): string {
  return `${apiKeyId}/${idempotencyKey}`;
}

/**
 * The idempotency records. A claim is its own short transaction (committed
 * before the command runs, so a concurrent duplicate sees it); the answer is
 * written by `complete` in the command's transaction, or by `completeAlone`
 * for an answer that has none (a refused request); `release` gives the key up
 * after an answer that is not stored (5xx, 409, 429).
 */
@Injectable()
export class IdempotencyRecords {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  claim(
    apiKeyId: string,
    idempotencyKey: string,
    requestHash: string,
    now: string,
    limits: { ttlSeconds: number; leaseSeconds: number },
  ): Promise<ClaimOutcome> {
    const recordKey = recordKeyOf(apiKeyId, idempotencyKey);
    const token = randomBase62(24);
    const expiresAt = new Date(Date.parse(now) + limits.ttlSeconds * 1000).toISOString();
    return withoutTransactionParticipant(() =>
      this.db.transaction(async (tx): Promise<ClaimOutcome> => {
        const row = { record_key: recordKey, api_key_id: apiKeyId, idempotency_key: idempotencyKey, request_hash: requestHash };
        const fresh = { ...row, state: 'running', claim_token: token, status: null, response: null, claimed_at: now, expires_at: expiresAt };
        const inserted = await tx.execute(
          sql`INSERT INTO idempotency_records (${idempotencyRecords.columnList}) VALUES ${sql.tuple(idempotencyRecords.valuesOf(fresh))}
              ON CONFLICT (record_key) DO NOTHING`,
        );
        if (inserted === 1) return { kind: 'claimed', claim: { recordKey, token } };
        const existing = await this.find(tx, recordKey);
        if (!existing) return { kind: 'in_use' };
        const decision = decideClaim(existing, requestHash, now, limits.leaseSeconds * 1000);
        if (decision.kind !== 'take_over') return decision;
        // Conditional on the claim it saw: of two requests taking over, one wins.
        const taken = await tx.execute(
          sql`UPDATE idempotency_records SET request_hash = ${requestHash}, state = 'running', claim_token = ${token}, status = NULL,
                response = NULL, claimed_at = ${now}, expires_at = ${expiresAt}
              WHERE record_key = ${recordKey} AND claim_token = ${existing.claim_token}`,
        );
        return taken === 1 ? { kind: 'claimed', claim: { recordKey, token } } : { kind: 'in_use' };
      }),
    );
  }

  /** Stores the answer in `tx` (the command's transaction); throws if the claim was lost, which rolls the command back. */
  async complete(tx: Sql, claim: Claim, status: number, body: unknown): Promise<void> {
    const stored = await tx.execute(
      sql`UPDATE idempotency_records SET state = 'completed', status = ${status}, response = ${JSON.stringify(body)}
          WHERE record_key = ${claim.recordKey} AND claim_token = ${claim.token} AND state = 'running'`,
    );
    if (stored !== 1) throw new Error('the Idempotency-Key claim was lost before the answer was stored');
  }

  completeAlone(claim: Claim, status: number, body: unknown): Promise<void> {
    return withoutTransactionParticipant(() => this.db.transaction((tx) => this.complete(tx, claim, status, body)));
  }

  // Writes go through db.transaction, never a bare statement: on SQLite it waits for another process's lock asynchronously.
  async release(claim: Claim): Promise<void> {
    await withoutTransactionParticipant(() =>
      this.db.transaction((tx) =>
        tx.execute(sql`DELETE FROM idempotency_records WHERE record_key = ${claim.recordKey} AND claim_token = ${claim.token} AND state = 'running'`),
      ),
    );
  }

  /** Deletes at most `limit` records expired at `now`; returns how many. */
  purgeExpired(now: string, limit: number): Promise<number> {
    return withoutTransactionParticipant(() =>
      this.db.transaction((tx) =>
        tx.execute(
          sql`DELETE FROM idempotency_records WHERE record_key IN (
                SELECT record_key FROM idempotency_records WHERE expires_at <= ${sql.timestamp(now)} ORDER BY expires_at LIMIT ${limit})`,
        ),
      ),
    );
  }

  private async find(tx: Sql, recordKey: string): Promise<StoredRecord | null> {
    const rows = await tx.query(sql`SELECT ${idempotencyRecords.columnList} FROM idempotency_records WHERE record_key = ${recordKey}`);
    return rows.length ? (idempotencyRecords.decode(rows[0]) as unknown as StoredRecord) : null;
  }
}
