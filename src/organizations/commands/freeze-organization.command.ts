import { Command } from '@nestjs/cqrs';
import type { ChangeContext } from '../../event-store/event-store';
import type { FreezeState } from '../domain/freeze';

/** Holds environment creates, or updates (update, archive, delete), or both, still: 403 until unfrozen. */
export class FreezeOrganizationCommand extends Command<FreezeState> {
  constructor(
    readonly organizationId: string,
    readonly freeze: { creates: boolean; updates: boolean; reason: string },
    readonly context: ChangeContext,
  ) {
    super();
  }
}

export class UnfreezeOrganizationCommand extends Command<FreezeState> {
  constructor(
    readonly organizationId: string,
    readonly context: ChangeContext,
  ) {
    super();
  }
}
