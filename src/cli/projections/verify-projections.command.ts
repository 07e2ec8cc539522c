import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { Database, DATABASE } from '../../database/database';
import { verifyProjections } from '../../projections';
import { CliCommand, ExitCode } from '../cli-command';
import { print } from '../output';

@SubCommand({ name: 'verify', description: 'rebuild into scratch tables and compare; exit 1 on any difference' })
export class VerifyProjectionsCommand extends CliCommand<{ json?: true }> {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  protected async execute(_: string[], { json }: { json?: true }): Promise<ExitCode> {
    const report = await verifyProjections(this.db);
    if (json) print(JSON.stringify(report));
    else if (report.differences.length === 0) {
      print(`Projections match the event log (${report.events} events, ${report.rows_compared} rows).`);
    } else {
      print(`Projections DIFFER from the event log (${report.events} events):`);
      for (const d of report.differences) print(`  ${d.table} ${d.id}: ${d.problem}${d.columns ? ` (${d.columns.join(', ')})` : ''}`);
      if (report.truncated) print('  ... and more');
    }
    return report.differences.length === 0 ? 0 : 1;
  }

  @Option({ flags: '--json', description: 'print the report as JSON' })
  parseJson(): true {
    return true;
  }
}
