import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { FreezeOrganizationHandler, UnfreezeOrganizationHandler } from './commands/freeze-organization.handler';

/** Organizations: the change freeze (operator commands) and the histories the auth and environments features share. */
@Module({
  imports: [CqrsModule],
  providers: [FreezeOrganizationHandler, UnfreezeOrganizationHandler],
})
export class OrganizationsModule {}
