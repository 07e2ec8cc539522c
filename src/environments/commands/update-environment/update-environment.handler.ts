import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { EnvironmentState } from '../../domain/environment';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { UpdateEnvironmentCommand } from './update-environment.command';

@CommandHandler(UpdateEnvironmentCommand)
export class UpdateEnvironmentHandler implements ICommandHandler<UpdateEnvironmentCommand, EnvironmentState> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  async execute({ environmentId, patch, expectedVersion, context }: UpdateEnvironmentCommand): Promise<EnvironmentState> {
    const state = await this.executor.execute(
      (now) => ({
        type: 'UpdateEnvironment',
        data: { environment_id: environmentId, input: patch, expected_version: expectedVersion },
        metadata: { now },
      }),
      context,
    );
    return state!;
  }
}
