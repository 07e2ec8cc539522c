import { existsSync } from 'node:fs';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { Database, DATABASE } from '../../database/database';
import { importData } from '../../transfer/data-transfer';
import { ExitCode, given, LongTaskCommand } from '../cli-command';
import { print } from '../output';

@Command({
  name: 'import',
  description: 'load an export into an empty database (all or nothing): verify its chain, rebuild projections',
})
export class ImportCommand extends LongTaskCommand<{ in: string; quiet?: true }> {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  protected async execute(_: string[], options: { in: string; quiet?: true }): Promise<ExitCode> {
    const file = options.in;
    if (!existsSync(file)) this.usageError(`${file} does not exist`);
    const progress = this.progress('import', 'bytes', options);
    const imported = await importData(this.db, file, progress.onProgress);
    progress.finish();
    print(
      `imported ${imported.organizations} organizations, ${imported.api_keys} API keys, ${imported.events} events; ` +
        `rebuilt ${imported.environments} environments and ${imported.versions} versions; audit chain verifies`,
    );
    return 0;
  }

  @Option({ flags: '--in <file>', description: 'the export to load', required: true })
  parseIn(value: string): string {
    return given(value);
  }
}
