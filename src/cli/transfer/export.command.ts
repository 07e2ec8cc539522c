import { rmSync } from 'node:fs';
import { Inject } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { CLOCK, Clock } from '../../common/clock';
import { Database, DATABASE } from '../../database/database';
import { exportData } from '../../transfer/data-transfer';
import { ExitCode, given, LongTaskCommand } from '../cli-command';
import { closeOutputFile, createOutputFile, lineWriter } from '../output';

@Command({ name: 'export', description: 'write organizations, API keys and the whole event log as NDJSON' })
export class ExportCommand extends LongTaskCommand<{ out?: string; quiet?: true }> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  protected async execute(_: string[], options: { out?: string; quiet?: true }): Promise<ExitCode> {
    const out = options.out;
    const progress = this.progress('export', 'rows', options);
    const file = out === undefined ? null : await createOutputFile(out);
    const write = lineWriter(file ?? process.stdout);
    let end;
    try {
      end = await exportData(this.db, this.clock.now(), write, progress.onProgress);
      await write.finish();
      if (file) await closeOutputFile(file);
      progress.finish();
    } catch (error) {
      // A partial file is never left behind to be taken for an export (and it would block the retry).
      if (file && out !== undefined) {
        file.destroy();
        rmSync(out, { force: true });
        throw new Error(`export to ${out} failed, the partial file was removed: ${(error as Error).message}`);
      }
      throw error;
    }
    process.stderr.write(`exported ${end.organizations} organizations, ${end.api_keys} API keys, ${end.events} events\n`);
    return 0;
  }

  @Option({ flags: '--out <file>', description: 'a new file to write (default: standard output)' })
  parseOut(value: string): string {
    return given(value);
  }
}
