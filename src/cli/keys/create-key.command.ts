import { Option, SubCommand } from 'nest-commander';
import { ApiKeysService } from '../../auth/api-keys.service';
import { CliCommand, ExitCode, nonBlank } from '../cli-command';
import { print } from '../output';

@SubCommand({ name: 'create', description: 'create an API key (and the organization if new); prints the secret once' })
export class CreateKeyCommand extends CliCommand<{ org: string; json?: true }> {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  protected async execute(_: string[], { org, json }: { org: string; json?: true }): Promise<ExitCode> {
    const created = await this.keys.createKey(org);
    if (json) print(JSON.stringify(created));
    else {
      print(`Created API key ${created.id} in organization "${created.organization}".`);
      print(`Secret (shown only now, store it safely): ${created.key}`);
    }
    return 0;
  }

  @Option({ flags: '--org <name>', description: 'the organization the key acts for', required: true })
  parseOrg(value: string): string {
    return nonBlank(value);
  }

  @Option({ flags: '--json', description: 'print the key as one JSON object' })
  parseJson(): true {
    return true;
  }
}
