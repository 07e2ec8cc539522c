import { Inject } from '@nestjs/common';
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { Database, DATABASE, sql } from '../../database/database';
import type { CommandContext } from '../../environments/commands/command-context';
import { CliCommand, ExitCode } from '../cli-command';
import { operator } from '../operator';
import { print } from '../output';

/** The one word an operator action takes. */
export const ENVIRONMENT_ID_ARGUMENT = { arguments: '<env_id>', argsDescription: { env_id: 'the environment (env_...)' } };

/**
 * An operator's action on one environment: the same command bus and handlers
 * as the API, in the environment's organization, recorded with the operator's
 * user name as a `cli_actor`.
 */
export abstract class OperatorAction extends CliCommand {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly commandBus: CommandBus,
  ) {
    super();
  }

  /** The action's command; `done` is the word that reports it (`Archived`). */
  protected abstract commandFor(id: string, context: CommandContext): ICommand;
  protected abstract readonly done: string;

  protected async execute([id]: string[]): Promise<ExitCode> {
    const rows = await this.db.query<{ organization_id: string }>(sql`SELECT organization_id FROM environments WHERE id = ${id}`);
    if (!rows.length) {
      process.stderr.write(`No environment with id ${id}\n`);
      return 1;
    }
    await this.commandBus.execute(this.commandFor(id, { organizationId: rows[0].organization_id, actor: operator(), requestId: null }));
    print(`${this.done} ${id}.`);
    return 0;
  }
}
