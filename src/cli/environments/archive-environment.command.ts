import { SubCommand } from 'nest-commander';
import { ArchiveEnvironmentCommand as Archive } from '../../environments/commands/archive-environment/archive-environment.command';
import type { CommandContext } from '../../environments/commands/command-context';
import { ENVIRONMENT_ID_ARGUMENT, OperatorAction } from './operator-action';

@SubCommand({ name: 'archive', ...ENVIRONMENT_ID_ARGUMENT, description: 'archive an environment as an operator (recorded as a cli_actor change)' })
export class ArchiveEnvironmentCommand extends OperatorAction {
  protected readonly done = 'Archived';

  protected commandFor(id: string, context: CommandContext): Archive {
    return new Archive(id, context);
  }
}
