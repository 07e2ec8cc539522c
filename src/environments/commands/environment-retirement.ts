import { Injectable } from '@nestjs/common';
import type { Sql } from '../../database/database';
import type { ChangeContext } from '../../event-store/event-store';

/** Work that must happen in the same transaction as an environment's archive or delete (revoking its environment keys). */
export type RetirementHook = (tx: Sql, retired: { organizationId: string; environmentId: string; now: string; context: ChangeContext }) => Promise<void>;

/**
 * Where modules built on environments (src/work) register what an
 * environment's retirement implies for them; the executor runs every hook
 * inside the archive's or delete's transaction, after its events.
 */
@Injectable()
export class EnvironmentRetirementHooks {
  private readonly hooks: RetirementHook[] = [];

  register(hook: RetirementHook): void {
    this.hooks.push(hook);
  }

  async run(tx: Sql, retired: Parameters<RetirementHook>[1]): Promise<void> {
    for (const hook of this.hooks) await hook(tx, retired);
  }
}
