import { Inject, Injectable, Logger } from '@nestjs/common';
import { PeriodicSweep } from '../common/periodic-sweep';
import { CLOCK, Clock } from '../common/clock';
import { IdempotencyRecords } from './idempotency-records';

/** Expired idempotency records are deleted every PURGE_INTERVAL_MS, at most PURGE_BATCH_ROWS per sweep. */
export const PURGE_INTERVAL_MS = 60_000;
export const PURGE_BATCH_ROWS = 1_000;

/**
 * Purges expired idempotency records in the background with bounded work:
 * one bounded DELETE per sweep (a backlog drains over several sweeps), never
 * two sweeps at once, and the timer stops on shutdown. A record past its
 * expiry is ignored by claims even before it is purged.
 */
@Injectable()
export class IdempotencyPurger extends PeriodicSweep {
  protected readonly logger = new Logger('IdempotencyPurger');
  protected readonly task = 'purging expired idempotency records';

  constructor(
    private readonly records: IdempotencyRecords,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  protected intervalMs(): number {
    return PURGE_INTERVAL_MS;
  }

  protected pass(): Promise<number> {
    return this.records.purgeExpired(this.clock.now(), PURGE_BATCH_ROWS);
  }
}
