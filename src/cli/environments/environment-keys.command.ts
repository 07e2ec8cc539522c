import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { CodedError } from '../../common/coded-error';
import { Database, DATABASE, sql } from '../../database/database';
import { EnvironmentKeysService } from '../../work/environment-keys.service';
import { presentEnvironmentKey } from '../../work/resources/work.resource';
import { CliCommand, CommandGroup, ExitCode, nonBlank } from '../cli-command';
import { operator } from '../operator';
import { print } from '../output';

/**
 * An action on the keys of one environment, in the environment's
 * organization, recorded as the operator's (`cli_actor`). A refusal of the
 * domain (not self-hosted, archived, no such key) is printed, exit 1.
 */
abstract class EnvironmentKeyAction<Options = Record<string, never>> extends CliCommand<Options> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    protected readonly keys: EnvironmentKeysService,
  ) {
    super();
  }

  protected abstract act(acting: { organizationId: string; actor: ReturnType<typeof operator>; requestId: null }, params: string[], options: Options): Promise<void>;

  protected async execute(params: string[], options: Options): Promise<ExitCode> {
    const rows = await this.db.query<{ organization_id: string }>(sql`SELECT organization_id FROM environments WHERE id = ${params[0]}`);
    if (!rows.length) {
      process.stderr.write(`No environment with id ${params[0]}\n`);
      return 1;
    }
    try {
      await this.act({ organizationId: rows[0].organization_id, actor: operator(), requestId: null }, params, options);
      return 0;
    } catch (error) {
      if (!(error instanceof CodedError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
  }
}

const ENV_ARGUMENT = { env_id: 'the self-hosted environment (env_...)' };

@SubCommand({ name: 'create', arguments: '<env_id>', argsDescription: ENV_ARGUMENT, description: "issue a key for a self-hosted environment's workers; prints the secret once" })
export class CreateEnvironmentKeyCommand extends EnvironmentKeyAction<{ name?: string; json?: true }> {
  protected async act(acting: Parameters<EnvironmentKeyAction['act']>[0], [environmentId]: string[], { name, json }: { name?: string; json?: true }) {
    const { key, secret } = await this.keys.create(acting, environmentId, name ?? null);
    if (json) print(JSON.stringify({ ...presentEnvironmentKey(key), key: secret }));
    else {
      print(`Created environment key ${key.id} for ${environmentId}.`);
      print(`Secret (shown only now, give it to the environment's workers): ${secret}`);
    }
  }

  @Option({ flags: '--name <name>', description: 'what the key is for, e.g. "rack 3 workers"' })
  parseName(value: string): string {
    return nonBlank(value);
  }

  @Option({ flags: '--json', description: 'print the key as one JSON object' })
  parseJson(): true {
    return true;
  }
}

@SubCommand({ name: 'list', arguments: '<env_id>', argsDescription: ENV_ARGUMENT, description: "list an environment's keys as JSON lines (never their secrets)" })
export class ListEnvironmentKeysCommand extends EnvironmentKeyAction {
  protected async act(acting: Parameters<EnvironmentKeyAction['act']>[0], [environmentId]: string[]) {
    for (const key of await this.keys.list(acting.organizationId, environmentId)) print(JSON.stringify(presentEnvironmentKey(key)));
  }
}

@SubCommand({
  name: 'revoke',
  arguments: '<env_id> <key_id>',
  argsDescription: { ...ENV_ARGUMENT, key_id: 'the key (envkey_...)' },
  description: 'revoke an environment key at once',
})
export class RevokeEnvironmentKeyCommand extends EnvironmentKeyAction {
  protected async act(acting: Parameters<EnvironmentKeyAction['act']>[0], [environmentId, keyId]: string[]) {
    const key = await this.keys.revoke(acting, environmentId, keyId);
    print(`Revoked environment key ${key.id} (at ${key.revoked_at}).`);
  }
}

@SubCommand({ name: 'keys', description: 'manage the environment keys of self-hosted environments', subCommands: [CreateEnvironmentKeyCommand, ListEnvironmentKeysCommand, RevokeEnvironmentKeyCommand] })
export class EnvironmentKeysCommand extends CommandGroup {}
