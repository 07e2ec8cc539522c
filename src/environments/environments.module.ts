import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../auth/auth.module';
import { ArchiveEnvironmentHandler } from './commands/archive-environment/archive-environment.handler';
import { CreateEnvironmentHandler } from './commands/create-environment/create-environment.handler';
import { DeleteEnvironmentHandler } from './commands/delete-environment/delete-environment.handler';
import { EnvironmentCommandExecutor } from './commands/environment-command.executor';
import { EnvironmentRetirementHooks } from './commands/environment-retirement';
import { UpdateEnvironmentHandler } from './commands/update-environment/update-environment.handler';
import { EnvironmentVersionsController } from './http/environment-versions.controller';
import { EnvironmentsController } from './http/environments.controller';
import { GetEnvironmentHandler } from './queries/get-environment/get-environment.handler';
import { ListEnvironmentVersionsHandler } from './queries/list-environment-versions/list-environment-versions.handler';
import { ListEnvironmentsHandler } from './queries/list-environments/list-environments.handler';

@Module({
  imports: [CqrsModule, AuthModule],
  controllers: [EnvironmentsController, EnvironmentVersionsController],
  providers: [
    EnvironmentRetirementHooks,
    EnvironmentCommandExecutor,
    CreateEnvironmentHandler,
    UpdateEnvironmentHandler,
    ArchiveEnvironmentHandler,
    DeleteEnvironmentHandler,
    GetEnvironmentHandler,
    ListEnvironmentsHandler,
    ListEnvironmentVersionsHandler,
  ],
  exports: [EnvironmentRetirementHooks],
})
export class EnvironmentsModule {}
