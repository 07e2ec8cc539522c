import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ApiKeysService } from '../auth/api-keys.service';
import { ConfigError, loadConfig } from '../config/config';
import { parseArgs, UsageError } from './args';
import { CliModule } from './cli.module';
import { KEYS_USAGE, runKeysCommand } from './keys.command';

const USAGE = `Usage: npm run cli -- <command>

${KEYS_USAGE}

The database is the one DATABASE_URL names (default ./data/sandbase.sqlite).`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['org']);
  const [group] = args.positional;
  if (!group || args.options.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    return group ? 0 : 2;
  }
  if (group !== 'keys') throw new UsageError(`unknown command ${JSON.stringify(group)}`);
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['fatal', 'error'] });
  try {
    return await runKeysCommand(app.get(ApiKeysService), args);
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`sandbase: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    const prefix = error instanceof ConfigError ? 'configuration error' : 'error';
    process.stderr.write(`sandbase: ${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
