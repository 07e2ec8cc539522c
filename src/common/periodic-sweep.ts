import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';

/**
 * Background work with bounded passes: one pass every `intervalMs`, never
 * two at once, the timer stopped (and a running pass awaited) on shutdown,
 * and a failed pass logged, not thrown: the next one tries again.
 */
export abstract class PeriodicSweep implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;

  protected abstract readonly logger: Logger;
  /** What a failed pass failed at, for its log line. */
  protected abstract readonly task: string;
  protected abstract intervalMs(): number;
  /** One bounded pass; resolves to how much it did. */
  protected abstract pass(): Promise<number>;

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs());
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => undefined);
  }

  /** One pass now; resolves to how much it did (0 while another pass runs, or when it failed). */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = this.pass();
    try {
      return await this.sweeping;
    } catch (error) {
      this.logger.warn(`${this.task} failed: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    } finally {
      this.sweeping = null;
    }
  }
}
