import { Command } from '@nestjs/cqrs';
import type { EnvironmentState } from '../../domain/environment';
import type { EnvironmentInput } from '../../domain/inputs';
import type { CommandContext } from '../command-context';

export class UpdateEnvironmentCommand extends Command<EnvironmentState> {
  constructor(
    readonly environmentId: string,
    readonly patch: EnvironmentInput,
    /** From If-Match: apply only at this version. */
    readonly expectedVersion: number | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}
