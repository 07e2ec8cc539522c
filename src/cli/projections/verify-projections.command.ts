import { Inject } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { Database, DATABASE } from '../../database/database';
import type { VerifyReport } from '../../projections';
import { ExitCode, LongTaskCommand } from '../cli-command';
import { print } from '../output';
import { verifyWithProgress } from './projection-progress';

/** The report of `projections verify`: that they match, or each difference. */
export function printProjectionsReport(report: VerifyReport): void {
  if (report.differences.length === 0) {
    print(`Projections match the event log (${report.events} events, ${report.rows_compared} rows).`);
  } else {
    print(`Projections DIFFER from the event log (${report.events} events):`);
    for (const d of report.differences) print(`  ${d.table} ${d.id}: ${d.problem}${d.columns ? ` (${d.columns.join(', ')})` : ''}`);
    if (report.truncated) print('  ... and more');
  }
}

@SubCommand({ name: 'verify', description: 'rebuild into scratch tables and compare; exit 1 on any difference' })
export class VerifyProjectionsCommand extends LongTaskCommand<{ json?: true; quiet?: true }> {
  constructor(@Inject(DATABASE) private readonly db: Database) {
    super();
  }

  protected async execute(_: string[], options: { json?: true; quiet?: true }): Promise<ExitCode> {
    const json = options.json;
    const report = await verifyWithProgress(this.db, this.progress('projections verify', 'events', options));
    if (json) print(JSON.stringify(report));
    else printProjectionsReport(report);
    return report.differences.length === 0 ? 0 : 1;
  }

  @Option({ flags: '--json', description: 'print the report as JSON' })
  parseJson(): true {
    return true;
  }
}
