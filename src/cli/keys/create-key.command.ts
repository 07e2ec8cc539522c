import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { ApiKeysService } from '../../auth/api-keys.service';
import { isScope, Scope, SCOPES } from '../../auth/scopes';
import { CLOCK, Clock } from '../../common/clock';
import { CliCommand, ExitCode, invalidValue, nonBlank } from '../cli-command';
import { operator } from '../operator';
import { parseDuration } from '../duration';
import { print } from '../output';

interface CreateKeyOptions {
  org: string;
  name?: string;
  scope?: Scope;
  expiresIn?: number;
  json?: true;
}

@SubCommand({ name: 'create', description: 'create an API key (and the organization if new); prints the secret once' })
export class CreateKeyCommand extends CliCommand<CreateKeyOptions> {
  constructor(
    private readonly keys: ApiKeysService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  protected async execute(_: string[], { org, name, scope, expiresIn, json }: CreateKeyOptions): Promise<ExitCode> {
    const expiresAt = expiresIn === undefined ? null : new Date(Date.parse(this.clock.now()) + expiresIn).toISOString();
    const created = await this.keys.createKey(org, { name: name ?? null, scope, expiresAt, actor: operator() });
    if (json) print(JSON.stringify(created));
    else {
      print(`Created API key ${created.id} (scope ${created.scope}) in organization "${created.organization}".`);
      print(`Secret (shown only now, store it safely): ${created.key}`);
    }
    return 0;
  }

  @Option({ flags: '--org <name>', description: 'the organization the key acts for', required: true })
  parseOrg(value: string): string {
    return nonBlank(value);
  }

  @Option({ flags: '--name <name>', description: 'what the key is for, e.g. "SIEM export"' })
  parseName(value: string): string {
    return nonBlank(value);
  }

  @Option({ flags: '--scope <scope>', description: `${SCOPES.join(', ')} (default write)` })
  parseScope(value: string): Scope {
    if (!isScope(value)) throw invalidValue(`it must be one of ${SCOPES.join(', ')}`);
    return value;
  }

  @Option({ flags: '--expires-in <duration>', description: 'the key stops working after this long, e.g. 90d' })
  parseExpiresIn(value: string): number {
    return parseDuration(value);
  }

  @Option({ flags: '--json', description: 'print the key as one JSON object' })
  parseJson(): true {
    return true;
  }
}
