import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { EnvironmentState } from '../../domain/environment';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { UpdateEnvironmentCommand } from './update-environment.command';

@CommandHandler(UpdateEnvironmentCommand)
export class UpdateEnvironmentHandler implements ICommandHandler<UpdateEnvironmentCommand, EnvironmentState> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  execute({ environmentId, patch, expectedVersion, context }: UpdateEnvironmentCommand): Promise<EnvironmentState> {
    const data = { environment_id: environmentId, input: patch, expected_version: expectedVersion };
    return this.executor.execute({ type: 'UpdateEnvironment', data }, context, { expectedVersion });
  }
}
