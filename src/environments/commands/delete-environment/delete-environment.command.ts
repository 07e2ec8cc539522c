import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../command-context';

export class DeleteEnvironmentCommand extends Command<void> {
  constructor(
    readonly environmentId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
