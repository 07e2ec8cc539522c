import type { Database } from '../database/database';
import { rebuildProjections, verifyProjections } from '../projections';
import { ParsedArgs, UsageError } from './args';

export const PROJECTIONS_USAGE = `projections rebuild [--json]        rebuild every read model from the event log and swap it in
projections verify [--json]         rebuild into scratch tables and compare; exit 1 on any difference`;

export async function runProjectionsCommand(db: Database, args: ParsedArgs): Promise<number> {
  const action = args.positional[1];
  const json = args.options.get('json') === true;
  if (action === 'rebuild') {
    const report = await rebuildProjections(db);
    const rate = report.seconds > 0 ? Math.round(report.events / report.seconds) : report.events;
    process.stdout.write(
      json
        ? `${JSON.stringify(report)}\n`
        : `Rebuilt from ${report.events} events in ${report.seconds.toFixed(2)} s (${rate} events/s): ` +
            `${report.environments} environments, ${report.versions} versions.\n`,
    );
    return 0;
  }
  if (action === 'verify') {
    const report = await verifyProjections(db);
    if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else if (report.differences.length === 0) {
      process.stdout.write(`Projections match the event log (${report.events} events, ${report.rows_compared} rows).\n`);
    } else {
      process.stdout.write(`Projections DIFFER from the event log (${report.events} events):\n`);
      for (const d of report.differences) {
        process.stdout.write(`  ${d.table} ${d.id}: ${d.problem}${d.columns ? ` (${d.columns.join(', ')})` : ''}\n`);
      }
      if (report.truncated) process.stdout.write('  ... and more\n');
    }
    return report.differences.length === 0 ? 0 : 1;
  }
  throw new UsageError(`unknown projections action ${JSON.stringify(action ?? '')}`);
}
