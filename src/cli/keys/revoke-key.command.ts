import { SubCommand } from 'nest-commander';
import { ApiKeysService } from '../../auth/api-keys.service';
import { CliCommand, ExitCode } from '../cli-command';
import { operator } from '../operator';
import { print } from '../output';

@SubCommand({
  name: 'revoke',
  arguments: '<apikey_id>',
  argsDescription: { apikey_id: 'the key to revoke (apikey_...)' },
  description: 'revoke a key; it gets 401 at once',
})
export class RevokeKeyCommand extends CliCommand {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  protected async execute([id]: string[]): Promise<ExitCode> {
    if (!(await this.keys.revokeKey(id, operator()))) {
      process.stderr.write(`No API key with id ${id}\n`);
      return 1;
    }
    print(`Revoked ${id}.`);
    return 0;
  }
}
