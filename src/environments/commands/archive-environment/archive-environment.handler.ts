import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { EnvironmentState } from '../../domain/environment';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { ArchiveEnvironmentCommand } from './archive-environment.command';

@CommandHandler(ArchiveEnvironmentCommand)
export class ArchiveEnvironmentHandler implements ICommandHandler<ArchiveEnvironmentCommand, EnvironmentState> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  execute({ environmentId, context }: ArchiveEnvironmentCommand): Promise<EnvironmentState> {
    return this.executor.execute({ type: 'ArchiveEnvironment', data: { environment_id: environmentId } }, context);
  }
}
