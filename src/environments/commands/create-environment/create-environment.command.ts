import { Command } from '@nestjs/cqrs';
import type { EnvironmentState } from '../../domain/environment';
import type { EnvironmentInput } from '../../domain/inputs';
import type { CommandContext } from '../command-context';

export class CreateEnvironmentCommand extends Command<EnvironmentState> {
  constructor(
    readonly input: EnvironmentInput,
    readonly context: CommandContext,
  ) {
    super();
  }
}
