import { existsSync, rmSync } from 'node:fs';
import type { Clock } from '../common/clock';
import type { Database } from '../database/database';
import { ParsedArgs, UsageError } from './args';
import { exportData, importData } from '../transfer/data-transfer';
import { closeOutputFile, createOutputFile, lineWriter } from './output';

export const DATA_USAGE = `export [--out <file>]               write organizations, API keys and the whole event log as NDJSON
import --in <file>                  load an export into an empty database (all or nothing): verify its chain, rebuild projections`;

export async function runDataCommand(db: Database, clock: Clock, args: ParsedArgs): Promise<number> {
  const [command] = args.positional;
  if (command === 'export') {
    const out = args.options.get('out');
    const file = typeof out === 'string' ? await createOutputFile(out) : null;
    const write = lineWriter(file ?? process.stdout);
    let end;
    try {
      end = await exportData(db, clock.now(), write);
      await write.finish();
      if (file) await closeOutputFile(file);
    } catch (error) {
      // A partial file is never left behind to be taken for an export (and it would block the retry).
      if (file) {
        file.destroy();
        rmSync(out as string, { force: true });
        throw new Error(`export to ${out as string} failed, the partial file was removed: ${(error as Error).message}`);
      }
      throw error;
    }
    process.stderr.write(
      `exported ${end.organizations} organizations, ${end.api_keys} API keys, ${end.events} events\n`,
    );
    return 0;
  }
  const file = args.options.get('in');
  if (typeof file !== 'string') throw new UsageError('import needs --in <file>');
  if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
  const imported = await importData(db, file);
  process.stdout.write(
    `imported ${imported.organizations} organizations, ${imported.api_keys} API keys, ${imported.events} events; ` +
      `rebuilt ${imported.environments} environments and ${imported.versions} versions; audit chain verifies\n`,
  );
  return 0;
}
