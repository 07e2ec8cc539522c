import { Injectable } from '@nestjs/common';

/**
 * Wakes this instance's long polls when an item is enqueued here. Polls on
 * other instances see it at their next re-check of the database.
 */
@Injectable()
export class WorkSignals {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves after `ms`, or at once when `notify(environmentId)` is called meanwhile. */
  wait(environmentId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiting.get(environmentId);
      if (!waiters) this.waiting.set(environmentId, (waiters = new Set()));
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiting.get(environmentId) === waiters) this.waiting.delete(environmentId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  notify(environmentId: string): void {
    for (const wake of [...(this.waiting.get(environmentId) ?? [])]) wake();
  }
}
