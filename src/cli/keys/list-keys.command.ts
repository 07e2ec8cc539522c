import { Option, SubCommand } from 'nest-commander';
import { ApiKeysService } from '../../auth/api-keys.service';
import { CliCommand, ExitCode } from '../cli-command';
import { print } from '../output';

@SubCommand({ name: 'list', description: 'list API keys (never their secrets)' })
export class ListKeysCommand extends CliCommand<{ json?: true }> {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  protected async execute(_: string[], { json }: { json?: true }): Promise<ExitCode> {
    const list = await this.keys.listKeys();
    if (json) list.forEach((key) => print(JSON.stringify(key)));
    else if (list.length === 0) print('No API keys.');
    else {
      for (const key of list) {
        const status = key.status === 'revoked' ? `revoked ${key.revoked_at}` : key.status === 'expired' ? `expired ${key.expires_at}` : 'active';
        const name = key.name === null ? '' : `  name=${JSON.stringify(key.name)}`;
        print(`${key.id}  ${key.key_hint}  scope=${key.scope}  org=${key.organization}${name}  created ${key.created_at}  ${status}`);
      }
    }
    return 0;
  }

  @Option({ flags: '--json', description: 'print one JSON object per key' })
  parseJson(): true {
    return true;
  }
}
