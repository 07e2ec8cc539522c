import { Command } from '@nestjs/cqrs';
import type { EnvironmentState } from '../../domain/environment';
import type { CommandContext } from '../command-context';

export class ArchiveEnvironmentCommand extends Command<EnvironmentState> {
  constructor(
    readonly environmentId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
