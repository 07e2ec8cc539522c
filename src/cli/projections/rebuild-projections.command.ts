import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { Database, DATABASE } from '../../database/database';
import { rebuildProjections } from '../../projections';
import { CliCommand, ExitCode } from '../cli-command';
import { print } from '../output';

@SubCommand({ name: 'rebuild', description: 'rebuild every read model from the event log and swap it in' })
export class RebuildProjectionsCommand extends CliCommand<{ json?: true }> {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  protected async execute(_: string[], { json }: { json?: true }): Promise<ExitCode> {
    const report = await rebuildProjections(this.db);
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
