import { Inject, Injectable, Logger, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { hostname } from 'node:os';
import { CLOCK, Clock } from '../common/clock';
import { randomBase62 } from '../common/ids';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Database, DATABASE } from '../database/database';
import { CHANNELS, signals } from '../telemetry/signals';
import { sinkLag } from './audit-sinks.service';
import { AuditStreamModule } from './audit-stream.module';
import { backoffMs } from './domain/sink';
import { readRecords } from './records';
import { advanceSink, Delivery, dueSinks, failSink, findSinkPosition, leaseSink, pausedSinks, releaseLeases, SinkRow } from './sink-store';
import { FileTransport, StdoutTransport } from './transports/ndjson';
import { NatsConnections, NatsTransport } from './transports/nats';
import { DeliveryError, Transport } from './transports/transport';
import { WebhookTransport } from './transports/webhook';

/** Sinks one pass looks at, and batches one sink delivers in a pass, at most: a pass's work is bounded. */
export const SINKS_PER_PASS = 20;
export const BATCHES_PER_PASS = 20;
/** How long after an append in this instance a pass starts (the append's transaction commits meanwhile). */
const WAKE_DELAY_MS = 10;
/** How often the lag of paused sinks (which no pass delivers) is measured for the metrics, at most 100 of them. */
const PAUSED_LAG_INTERVAL_MS = 5000;

/**
 * Delivers each active sink's records in the background (the service only,
 * not the CLI): every SANDBASE_AUDIT_STREAM_INTERVAL_MS a pass takes the
 * lease of the sinks that are due (one compare-and-set per sink: exactly
 * one instance delivers a sink at a time), reads the organization's records
 * after the sink's position in chain order, hands up to batch_size of them
 * over and stores the new position only once the sink acknowledged them.
 * A failure is counted and retried after a backoff; the sink is paused at
 * its max_failures. A pass that ran out of budget is followed at once by
 * another.
 */
@Injectable()
export class AuditStreamDeliverer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuditStream');
  /** This instance, as the owner of the leases it takes. */
  readonly owner = `${hostname()}:${process.pid}:${randomBase62(8)}`;
  private readonly nats: NatsConnections;
  private timer: NodeJS.Timeout | null = null;
  private passing: Promise<boolean> | null = null;
  private stopped = false;
  private pausedMeasuredAt = 0;
  /** Whether this instance ever took a lease: only then is there one to give up when it stops. */
  private leased = false;
  /** Whether the last pass found sinks to deliver: only then does an append here start a pass early. */
  private sinksDue = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private again = false;
  private readonly onAppend = () => {
    if (!this.sinksDue || this.wakeTimer || this.stopped) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      void this.pass();
    }, WAKE_DELAY_MS);
    this.wakeTimer.unref();
  };

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.nats = new NatsConnections(config.auditStream.natsUrl);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.pass(), this.config.auditStream.intervalMs);
    this.timer.unref();
    // Changes made through this instance are delivered without waiting for the interval.
    subscribe(CHANNELS.eventsAppended.name, this.onAppend);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    unsubscribe(CHANNELS.eventsAppended.name, this.onAppend);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.passing?.catch(() => undefined);
    if (this.leased) await releaseLeases(this.db, this.owner).catch(() => undefined);
    await this.nats.close();
  }

  /** One pass; resolves to true if a sink has more to deliver than the pass's budget allowed (false while another pass runs). */
  async pass(): Promise<boolean> {
    if (this.stopped) return false;
    if (this.passing) {
      // Asked for while one runs (an append, the interval): another follows it, so nothing waits for the next interval.
      this.again = true;
      return false;
    }
    this.again = false;
    this.passing = this.deliverDue();
    let more = false;
    try {
      more = await this.passing;
    } catch (error) {
      this.logger.warn(`delivering the audit stream failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.passing = null;
    }
    if ((more || this.again) && !this.stopped) setImmediate(() => void this.pass());
    return more;
  }

  private async deliverDue(): Promise<boolean> {
    if (signals.auditStreamWatched() && Date.now() - this.pausedMeasuredAt >= PAUSED_LAG_INTERVAL_MS) {
      this.pausedMeasuredAt = Date.now();
      for (const sink of await pausedSinks(this.db, SINKS_PER_PASS * 5)) await this.measureLag(sink);
    }
    const ids = await dueSinks(this.db, this.owner, this.clock.now(), SINKS_PER_PASS);
    this.sinksDue = ids.length > 0;
    const outcomes = await Promise.all(ids.map((id) => this.deliverSink(id)));
    return outcomes.some(Boolean);
  }

  /** Delivers one sink as far as the pass's budget goes; true if it stopped at the budget with records left. */
  private async deliverSink(id: string): Promise<boolean> {
    const sink = await leaseSink(this.db, id, this.owner, this.clock.now(), this.config.auditStream.leaseMs);
    if (!sink) return false;
    this.leased = true;
    try {
      return await this.deliverLeased(sink);
    } finally {
      if (signals.auditStreamWatched()) await this.measureLag(sink);
    }
  }

  /** The sink's lag for the metrics, as it stands now (or its series removed if it was deleted). */
  private async measureLag(sink: SinkRow): Promise<void> {
    const position = await findSinkPosition(this.db, sink.id);
    if (position === null) signals.auditStream({ kind: 'gone', sink: sink.id });
    else signals.auditStream({ kind: 'lag', sink: sink.id, ...(await sinkLag(this.db, { ...sink, position }, this.clock.now())) });
  }

  private async deliverLeased(sink: SinkRow): Promise<boolean> {
    const { id } = sink;
    const { leaseMs, backoffMs: base, backoffMaxMs } = this.config.auditStream;
    const transport = this.transportFor(sink);
    const delivery: Delivery = { id, owner: this.owner, generation: sink.generation, position: sink.position };
    for (let batch = 0; batch < BATCHES_PER_PASS; batch++) {
      if (this.stopped) return false;
      const records = await readRecords(this.db, sink.organization_id, delivery.position, sink.batch_size);
      if (records.length === 0) return false;
      try {
        await transport.deliver(records);
      } catch (error) {
        const message = error instanceof DeliveryError ? error.message : `delivery failed: ${(error as Error).message}`;
        const retryMs = backoffMs(sink.failures + 1, base, backoffMaxMs, Math.random());
        signals.auditStream({ kind: 'failed', sink: id });
        const state = await failSink(this.db, delivery, message, this.clock.now(), retryMs);
        if (state === 'paused') this.logger.warn({ msg: `audit sink ${id} paused after ${sink.max_failures} failed deliveries: ${message}`, audit_sink_id: id, organization_id: sink.organization_id });
        return false;
      }
      const last = records[records.length - 1].chain_seq;
      // Only the holder of the lease, at the generation and position it read, moves the position.
      if (!(await advanceSink(this.db, delivery, last, this.clock.now(), leaseMs))) return false;
      delivery.position = last;
      signals.auditStream({ kind: 'delivered', sink: id, records: records.length });
      sink.failures = 0;
      if (records.length < sink.batch_size) return false;
    }
    return true;
  }

  private transportFor(sink: SinkRow): Transport {
    const { timeoutMs, fileDir } = this.config.auditStream;
    switch (sink.type) {
      case 'webhook':
        return new WebhookTransport(sink.target, sink.secret ?? '', timeoutMs);
      case 'nats':
        return new NatsTransport(this.nats, sink.target, timeoutMs);
      case 'file':
        return new FileTransport(fileDir, sink.target);
      case 'stdout':
        return new StdoutTransport();
      default: {
        const unknownType: never = sink.type;
        throw new Error(`Unhandled sink type ${String(unknownType)}`);
      }
    }
  }
}

/** The deliverer, for the service only (not the CLI). */
@Module({ imports: [AuditStreamModule], providers: [AuditStreamDeliverer] })
export class AuditStreamDeliveryModule {}
