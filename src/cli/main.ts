import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { ApiKeysService } from '../auth/api-keys.service';
import { ConfigError, loadConfig } from '../config/config';
import { CLOCK, Clock } from '../common/clock';
import { Database, DATABASE } from '../database/database';
import { AUDIT_USAGE, runAuditCommand } from './audit.command';
import { DATA_USAGE, runDataCommand } from './data.command';
import { ENVIRONMENTS_USAGE, runEnvironmentsCommand } from './environments.command';
import { checkCommandArgs, parseArgs, UsageError } from './args';
import { CliModule } from './cli.module';
import { KEYS_USAGE, runKeysCommand } from './keys.command';
import { flushAndExit } from './output';
import { PROJECTIONS_USAGE, runProjectionsCommand } from './projections.command';

const USAGE = `Usage: npm run cli -- <command>

${KEYS_USAGE}
${ENVIRONMENTS_USAGE}
${PROJECTIONS_USAGE}
${AUDIT_USAGE}
${DATA_USAGE}

The database is the one DATABASE_URL names (default ./data/sandbase.sqlite).`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['org', 'checkpoints', 'dir', 'since', 'in', 'out']);
  const [group] = args.positional;
  if (!group || args.options.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    return args.options.has('help') ? 0 : 2;
  }
  if (!['keys', 'environments', 'projections', 'audit', 'export', 'import'].includes(group)) throw new UsageError(`unknown command ${JSON.stringify(group)}`);
  checkCommandArgs(args);
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['fatal'], abortOnError: false });
  try {
    if (group === 'keys') return await runKeysCommand(app.get(ApiKeysService), args);
    if (group === 'environments') return await runEnvironmentsCommand(app.get<Database>(DATABASE), app.get(CommandBus), args);
    if (group === 'export' || group === 'import') return await runDataCommand(app.get<Database>(DATABASE), app.get<Clock>(CLOCK), args);
    if (group === 'audit') return await runAuditCommand(app.get<Database>(DATABASE), config, app.get<Clock>(CLOCK), args);
    return await runProjectionsCommand(app.get<Database>(DATABASE), args);
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => flushAndExit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`sandbase: ${error.message}\n\n${USAGE}\n`);
      return flushAndExit(2);
    }
    const prefix = error instanceof ConfigError ? 'configuration error' : 'error';
    process.stderr.write(`sandbase: ${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
    flushAndExit(1);
  },
);
