import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { DeleteEnvironmentCommand } from './delete-environment.command';

@CommandHandler(DeleteEnvironmentCommand)
export class DeleteEnvironmentHandler implements ICommandHandler<DeleteEnvironmentCommand, void> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  execute({ environmentId, context }: DeleteEnvironmentCommand): Promise<void> {
    return this.executor.execute({ type: 'DeleteEnvironment', data: { environment_id: environmentId } }, context);
  }
}
