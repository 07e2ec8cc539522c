import { Option, SubCommand } from 'nest-commander';
import { ApiKeysService } from '../../auth/api-keys.service';
import { CliCommand, ExitCode } from '../cli-command';
import { parseDuration } from '../duration';
import { operator } from '../operator';
import { print } from '../output';

@SubCommand({
  name: 'rotate',
  arguments: '<apikey_id>',
  argsDescription: { apikey_id: 'the key to rotate (apikey_...)' },
  description: 'give a key a new secret (same id, name and scope); prints it once; the old one stops at once or after --grace',
})
export class RotateKeyCommand extends CliCommand<{ grace?: number; json?: true }> {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  protected async execute([id]: string[], { grace, json }: { grace?: number; json?: true }): Promise<ExitCode> {
    const rotated = await this.keys.rotateKey(id, grace ?? 0, operator());
    if (!rotated) {
      process.stderr.write(`No API key with id ${id}\n`);
      return 1;
    }
    if (json) print(JSON.stringify(rotated));
    else {
      print(`Rotated ${id}; the old secret ${grace ? 'works for the grace period' : 'no longer works'}.`);
      print(`New secret (shown only now, store it safely): ${rotated.key}`);
    }
    return 0;
  }

  @Option({ flags: '--grace <duration>', description: 'keep the old secret working this long, e.g. 10m' })
  parseGrace(value: string): number {
    return parseDuration(value);
  }

  @Option({ flags: '--json', description: 'print the key id and new secret as one JSON object' })
  parseJson(): true {
    return true;
  }
}
