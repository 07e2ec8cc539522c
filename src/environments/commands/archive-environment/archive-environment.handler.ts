import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { EnvironmentState } from '../../domain/environment';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { ArchiveEnvironmentCommand } from './archive-environment.command';

@CommandHandler(ArchiveEnvironmentCommand)
export class ArchiveEnvironmentHandler implements ICommandHandler<ArchiveEnvironmentCommand, EnvironmentState> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  async execute({ environmentId, context }: ArchiveEnvironmentCommand): Promise<EnvironmentState> {
    const state = await this.executor.execute(
      (now) => ({ type: 'ArchiveEnvironment', data: { environment_id: environmentId }, metadata: { now } }),
      context,
    );
    return state!;
  }
}
