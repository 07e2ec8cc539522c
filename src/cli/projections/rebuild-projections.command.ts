import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { Database, DATABASE } from '../../database/database';
import { ExitCode, LongTaskCommand } from '../cli-command';
import { print } from '../output';
import { rebuildWithProgress } from './projection-progress';

@SubCommand({ name: 'rebuild', description: 'rebuild every read model from the event log and swap it in' })
export class RebuildProjectionsCommand extends LongTaskCommand<{ json?: true; quiet?: true }> {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  protected async execute(_: string[], options: { json?: true; quiet?: true }): Promise<ExitCode> {
    const json = options.json;
    const report = await rebuildWithProgress(this.db, this.progress('projections rebuild', 'events', options));
    const rate = report.seconds > 0 ? Math.round(report.events / report.seconds) : report.events;
    print(
      json
        ? JSON.stringify(report)
        : `Rebuilt from ${report.events} events in ${report.seconds.toFixed(2)} s (${rate} events/s): ` +
            `${report.environments} environments, ${report.versions} versions.`,
    );
    return 0;
  }

  @Option({ flags: '--json', description: 'print the report as JSON' })
  parseJson(): true {
    return true;
  }
}
