import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import { PeriodicSweep } from '../common/periodic-sweep';
import { CLOCK, Clock } from '../common/clock';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Database, DATABASE, sql } from '../database/database';
import { WorkExecutor } from './commands/work.executor';
import { decideLeaseExpiry } from './domain/work';
import { deleteLease, expiredLeases, findLease } from './projections/work.read-model';
import { workPollersTable } from './tables';
import { POLLERS } from './work-queue.service';
import { WorkModule } from './work.module';

/** Items stopped per sweep at most: a backlog of expired leases drains over several sweeps. */
export const SWEEP_BATCH = 100;
const SERVICE = { actor: { type: 'system_actor' as const, name: 'work-lease-expiry' }, requestId: null };

/**
 * Stops the items whose lease ran out, in the background: every
 * SANDBASE_WORK_SWEEP_INTERVAL_MS, at most SWEEP_BATCH items, never two
 * sweeps at once. Each stop re-reads the lease under the organization's lock,
 * so a heartbeat that won meanwhile keeps the item, and several instances
 * sweeping at once stop an item once. Also forgets worker ids not seen for an
 * hour.
 */
@Injectable()
export class LeaseSweeper extends PeriodicSweep {
  protected readonly logger = new Logger('WorkLeases');
  protected readonly task = 'stopping work items with expired leases';
  private pollersForgottenAt = 0;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly executor: WorkExecutor,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.work.sweepIntervalMs;
  }

  protected pass(): Promise<number> {
    return this.expire();
  }

  private async expire(): Promise<number> {
    let stopped = 0;
    for (const { work_id, organization_id } of await expiredLeases(this.db, this.clock.now(), SWEEP_BATCH)) {
      const before = stopped;
      await this.executor.work(
        organization_id,
        work_id,
        async (state, tx, now) => {
          const lease = await findLease(tx, work_id);
          if (lease && lease.lease_expires_at >= now) return [];
          const events = decideLeaseExpiry(state, work_id, now, lease?.last_heartbeat ?? null);
          if (events.length) await deleteLease(tx, work_id);
          stopped = before + events.length;
          return events;
        },
        SERVICE,
      );
    }
    if (Date.now() - this.pollersForgottenAt >= 60_000) {
      this.pollersForgottenAt = Date.now();
      const forgetBefore = new Date(Date.parse(this.clock.now()) - Math.max(3_600_000, POLLERS.windowMs)).toISOString();
      await this.db.execute(sql`DELETE FROM ${workPollersTable.ref} WHERE last_polled_at < ${sql.timestamp(forgetBefore)}`);
    }
    return stopped;
  }
}

/** The lease sweeper, for the service only (not the CLI). */
@Module({ imports: [WorkModule], providers: [LeaseSweeper] })
export class WorkLeasesModule {}
