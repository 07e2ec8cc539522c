import { userInfo } from 'node:os';
import type { Clock } from '../common/clock';
import { type Database, sql } from '../database/database';
import { EnvironmentCommandExecutor } from '../environments/commands/environment-command.executor';
import { ParsedArgs, UsageError } from './args';

export const ENVIRONMENTS_USAGE = `environments archive <env_id>       archive an environment as an operator (recorded as a cli_actor change)
environments delete <env_id>        delete an environment as an operator (recorded as a cli_actor change)`;

/** Operator actions on environments: the same write path as the API, with the operator as the actor. */
export async function runEnvironmentsCommand(db: Database, clock: Clock, args: ParsedArgs): Promise<number> {
  const [, action, id] = args.positional;
  if (action !== 'archive' && action !== 'delete') throw new UsageError(`unknown environments action ${JSON.stringify(action ?? '')}`);
  if (!id) throw new UsageError(`environments ${action} needs the environment id (env_...)`);
  const rows = await db.query<{ organization_id: string }>(sql`SELECT organization_id FROM environments WHERE id = ${id}`);
  if (!rows.length) {
    process.stderr.write(`No environment with id ${id}\n`);
    return 1;
  }
  const executor = new EnvironmentCommandExecutor(db, clock);
  const context = {
    organizationId: rows[0].organization_id,
    actor: { type: 'cli_actor' as const, name: userInfo().username },
    requestId: null,
  };
  await executor.execute(
    (now) => ({
      type: action === 'archive' ? 'ArchiveEnvironment' : 'DeleteEnvironment',
      data: { environment_id: id },
      metadata: { now },
    }),
    context,
  );
  process.stdout.write(`${action === 'archive' ? 'Archived' : 'Deleted'} ${id}.\n`);
  return 0;
}
