import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { DeleteEnvironmentCommand } from './delete-environment.command';

@CommandHandler(DeleteEnvironmentCommand)
export class DeleteEnvironmentHandler implements ICommandHandler<DeleteEnvironmentCommand, void> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  async execute({ environmentId, context }: DeleteEnvironmentCommand): Promise<void> {
    await this.executor.execute(
      (now) => ({ type: 'DeleteEnvironment', data: { environment_id: environmentId }, metadata: { now } }),
      context,
    );
  }
}
