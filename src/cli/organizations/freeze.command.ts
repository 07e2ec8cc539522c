import { Inject } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Command, Option } from 'nest-commander';
import { Database, DATABASE } from '../../database/database';
import { FreezeOrganizationCommand, UnfreezeOrganizationCommand } from '../../organizations/commands/freeze-organization.command';
import { FreezeError } from '../../organizations/domain/freeze';
import { findOrganizationId } from '../../organizations/organizations.read-model';
import { CliCommand, ExitCode, nonBlank } from '../cli-command';
import { operator } from '../operator';
import { print } from '../output';

/** The organization an operator names, or a message and exit 1. */
async function organizationNamed(db: Database, name: string): Promise<string | null> {
  const id = await findOrganizationId(db, name);
  if (id === null) process.stderr.write(`sandbase: error: no organization named ${JSON.stringify(name)}\n`);
  return id;
}

interface FreezeOptions {
  org: string;
  creates?: true;
  updates?: true;
  reason: string;
}

@Command({
  name: 'freeze',
  description: 'hold an organization\'s environments still: creates, updates (update, archive, delete) or both (the default) get 403; reads continue',
})
export class FreezeCommand extends CliCommand<FreezeOptions> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly commandBus: CommandBus,
  ) {
    super();
  }

  protected async execute(_: string[], { org, creates, updates, reason }: FreezeOptions): Promise<ExitCode> {
    const organizationId = await organizationNamed(this.db, org);
    if (organizationId === null) return 1;
    const both = !creates && !updates;
    const freeze = { creates: both || creates === true, updates: both || updates === true, reason };
    try {
      await this.commandBus.execute(new FreezeOrganizationCommand(organizationId, freeze, { actor: operator(), requestId: null }));
    } catch (error) {
      if (error instanceof FreezeError) this.usageError(error.message);
      throw error;
    }
    const what = [freeze.creates && 'creates', freeze.updates && 'updates'].filter(Boolean).join(' and ');
    print(`Froze ${what} of environments in organization "${org}".`);
    return 0;
  }

  @Option({ flags: '--org <name>', description: 'the organization to freeze', required: true })
  parseOrg(value: string): string {
    return nonBlank(value);
  }

  @Option({ flags: '--creates', description: 'refuse environment creates' })
  parseCreates(): true {
    return true;
  }

  @Option({ flags: '--updates', description: 'refuse environment updates, archives and deletes' })
  parseUpdates(): true {
    return true;
  }

  @Option({ flags: '--reason <text>', description: 'why (shown in the 403 and recorded in the history)', required: true })
  parseReason(value: string): string {
    return nonBlank(value);
  }
}

@Command({ name: 'unfreeze', description: 'lift an organization\'s freeze' })
export class UnfreezeCommand extends CliCommand<{ org: string }> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly commandBus: CommandBus,
  ) {
    super();
  }

  protected async execute(_: string[], { org }: { org: string }): Promise<ExitCode> {
    const organizationId = await organizationNamed(this.db, org);
    if (organizationId === null) return 1;
    await this.commandBus.execute(new UnfreezeOrganizationCommand(organizationId, { actor: operator(), requestId: null }));
    print(`Organization "${org}" is not frozen.`);
    return 0;
  }

  @Option({ flags: '--org <name>', description: 'the organization to unfreeze', required: true })
  parseOrg(value: string): string {
    return nonBlank(value);
  }
}
