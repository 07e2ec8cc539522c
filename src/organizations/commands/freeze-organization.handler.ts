import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, Clock } from '../../common/clock';
import { Database, DATABASE } from '../../database/database';
import type { ChangeContext } from '../../event-store/event-store';
import { runStreamCommand } from '../../event-store/stream-command';
import { decideFreeze, evolveFreeze, FreezeState, OrganizationCommand, OrganizationEvent, organizationStreamId } from '../domain/freeze';
import { projectFreezeEvents } from '../projections/freeze.projection';
import { findFreeze } from '../projections/freeze.read-model';
import { FreezeOrganizationCommand, UnfreezeOrganizationCommand } from './freeze-organization.command';

export const ORGANIZATION_EVENT_SCHEMA_VERSION = 1;

/** Freezing and unfreezing: events in the organization's own stream, projected into its freeze row and history. */
abstract class FreezeHandler {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  protected run(organizationId: string, command: (now: string) => OrganizationCommand, context: ChangeContext): Promise<FreezeState> {
    return runStreamCommand<FreezeState, OrganizationEvent>(
      this.db,
      this.clock,
      organizationId,
      {
        streamId: organizationStreamId(organizationId),
        schemaVersion: ORGANIZATION_EVENT_SCHEMA_VERSION,
        load: (tx) => findFreeze(tx, organizationId),
        versionOf: (state) => state.version,
        decide: (state, _tx, now) => decideFreeze(command(now), state),
        evolve: evolveFreeze,
        project: projectFreezeEvents,
      },
      context,
    );
  }
}

@CommandHandler(FreezeOrganizationCommand)
export class FreezeOrganizationHandler extends FreezeHandler implements ICommandHandler<FreezeOrganizationCommand, FreezeState> {
  execute({ organizationId, freeze, context }: FreezeOrganizationCommand): Promise<FreezeState> {
    return this.run(organizationId, (now) => ({ type: 'FreezeOrganization', data: { organization_id: organizationId, ...freeze }, metadata: { now } }), context);
  }
}

@CommandHandler(UnfreezeOrganizationCommand)
export class UnfreezeOrganizationHandler extends FreezeHandler implements ICommandHandler<UnfreezeOrganizationCommand, FreezeState> {
  execute({ organizationId, context }: UnfreezeOrganizationCommand): Promise<FreezeState> {
    return this.run(organizationId, (now) => ({ type: 'UnfreezeOrganization', data: { organization_id: organizationId }, metadata: { now } }), context);
  }
}
