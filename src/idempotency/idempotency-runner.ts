import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { CLOCK, Clock } from '../common/clock';
import { IDEMPOTENCY_CLAIM, ReplayedAnswer } from '../common/idempotent-answer';
import { signals } from '../telemetry/signals';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { withTransactionParticipant } from '../database/transaction-participant';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey, requestFingerprint } from './idempotency-key';
import { IdempotencyRecords } from './idempotency-records';
import { PendingAnswer } from './pending-answer';

export type IdempotentRequest = FastifyRequest & { principal?: { apiKeyId: string } };

/**
 * Idempotency-Key on a POST route (`@Idempotent()`), around its handler:
 * after the guard (key, workspace, rate limit, scope: those refusals are
 * neither stored nor replayed). Claims the key in a transaction of its own,
 * then replays a stored answer (the filter sends it), refuses a different
 * request with the same key (422) or a concurrent duplicate (409), or runs
 * the handler with its answer enlisted in the command's transaction
 * (PendingAnswer). A request without the header runs the handler as it is.
 */
@Injectable()
export class IdempotencyRunner {
  constructor(
    private readonly records: IdempotencyRecords,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run<T>(request: IdempotentRequest, status: number, handler: () => Promise<T>): Promise<T> {
    const key = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
    const apiKeyId = request.principal?.apiKeyId;
    if (key === null || apiKeyId === undefined) return handler();
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const outcome = await this.records.claim(apiKeyId, key, fingerprint, this.clock.now(), {
      ttlSeconds: this.config.idempotencyTtlSeconds,
      leaseSeconds: this.config.idempotencyLeaseSeconds,
    });
    switch (outcome.kind) {
      case 'replay':
        signals.idempotentReplay();
        throw new ReplayedAnswer(outcome.status, outcome.body);
      case 'mismatch':
        throw new ApiError(
          422,
          'invalid_request_error',
          'Idempotency-Key: this key was already used for a different request (method, path or body); use a new key',
          'idempotency_key_reused',
          { 'x-should-retry': 'false' },
        );
      case 'in_use':
        throw new ApiError(409, 'conflict_error', 'Idempotency-Key: a request with this key is still running; retry it', 'idempotency_key_in_use', {
          'retry-after': '1',
        });
      case 'claimed':
        break;
    }
    const answer = new PendingAnswer(this.records, outcome.claim, status);
    (request as unknown as Record<symbol, unknown>)[IDEMPOTENCY_CLAIM] = answer;
    const value = await withTransactionParticipant(answer, handler);
    await answer.succeeded(value);
    return value;
  }
}
