import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
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
export class IdempotencyPurger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('IdempotencyPurger');
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly records: IdempotencyRecords,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => undefined);
  }

  /** One sweep; resolves to how many records it deleted (0 while another sweep runs). */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = this.records.purgeExpired(this.clock.now(), PURGE_BATCH_ROWS);
    try {
      return await this.sweeping;
    } catch (error) {
      this.logger.warn(`purging expired idempotency records failed: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    } finally {
      this.sweeping = null;
    }
  }
}
