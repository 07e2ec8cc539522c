import { userInfo } from 'node:os';
import type { CommandBus } from '@nestjs/cqrs';
import type { Database } from '../database/database';
import { ArchiveEnvironmentCommand } from '../environments/commands/archive-environment/archive-environment.command';
import type { CommandContext } from '../environments/commands/command-context';
import { DeleteEnvironmentCommand } from '../environments/commands/delete-environment/delete-environment.command';
import { ParsedArgs, UsageError } from './args';

export const ENVIRONMENTS_USAGE = `environments archive <env_id>       archive an environment as an operator (recorded as a cli_actor change)
environments delete <env_id>        delete an environment as an operator (recorded as a cli_actor change)`;

/** Operator actions on environments: the same write path as the API, with the operator as the actor. */
export async function runEnvironmentsCommand(db: Database, commandBus: CommandBus, args: ParsedArgs): Promise<number> {
  const [, action, id] = args.positional;
  if (action !== 'archive' && action !== 'delete') throw new UsageError(`unknown environments action ${JSON.stringify(action ?? '')}`);
  if (!id) throw new UsageError(`environments ${action} needs the environment id (env_...)`);
  const rows = await db.query<{ organization_id: string }>('SELECT organization_id FROM environments WHERE id = ?', [id]);
  if (!rows.length) {
    process.stderr.write(`No environment with id ${id}\n`);
    return 1;
  }
  const context: CommandContext = {
    organizationId: rows[0].organization_id,
    actor: { type: 'cli_actor', name: userInfo().username },
    requestId: null,
  };
  await commandBus.execute(action === 'archive' ? new ArchiveEnvironmentCommand(id, context) : new DeleteEnvironmentCommand(id, context));
  process.stdout.write(`${action === 'archive' ? 'Archived' : 'Deleted'} ${id}.\n`);
  return 0;
}
