import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newEnvironmentId } from '../../../common/ids';
import type { EnvironmentState } from '../../domain/environment';
import { EnvironmentCommandExecutor } from '../environment-command.executor';
import { CreateEnvironmentCommand } from './create-environment.command';

@CommandHandler(CreateEnvironmentCommand)
export class CreateEnvironmentHandler implements ICommandHandler<CreateEnvironmentCommand, EnvironmentState> {
  constructor(private readonly executor: EnvironmentCommandExecutor) {}

  execute({ input, context }: CreateEnvironmentCommand): Promise<EnvironmentState> {
    const data = { environment_id: newEnvironmentId(), organization_id: context.organizationId, input };
    return this.executor.execute({ type: 'CreateEnvironment', data }, context);
  }
}
