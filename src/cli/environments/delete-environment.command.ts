import { SubCommand } from 'nest-commander';
import type { CommandContext } from '../../environments/commands/command-context';
import { DeleteEnvironmentCommand as Delete } from '../../environments/commands/delete-environment/delete-environment.command';
import { ENVIRONMENT_ID_ARGUMENT, OperatorAction } from './operator-action';

@SubCommand({ name: 'delete', ...ENVIRONMENT_ID_ARGUMENT, description: 'delete an environment as an operator (recorded as a cli_actor change)' })
export class DeleteEnvironmentCommand extends OperatorAction {
  protected readonly done = 'Deleted';

  protected commandFor(id: string, context: CommandContext): Delete {
    return new Delete(id, context);
  }
}
