import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newEnvironmentId } from '../../../common/ids';
import type { EnvironmentState } from '../../domain/environment';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { CreateEnvironmentCommand } from './create-environment.command';

@CommandHandler(CreateEnvironmentCommand)
export class CreateEnvironmentHandler implements ICommandHandler<CreateEnvironmentCommand, EnvironmentState> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  async execute({ input, context }: CreateEnvironmentCommand): Promise<EnvironmentState> {
    const environmentId = newEnvironmentId();
    const state = await this.executor.execute(
      (now) => ({
        type: 'CreateEnvironment',
        data: { environment_id: environmentId, organization_id: context.organizationId, input },
        metadata: { now },
      }),
      context,
    );
    return state!;
  }
}
