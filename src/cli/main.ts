#!/usr/bin/env node
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { limitHeapGrowth } from '../common/heap-growth';
import { ConfigError, loadConfig } from '../config/config';
import { USAGE_EXIT_CODE } from './cli-command';
import { CliModule } from './cli.module';
import { flushAndExit } from './output';

/** Commander's errors (thrown, see `strictCommand`) were already reported, with the command's help. */
function commanderExitCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^(commander|sandbase)\./.test(code)) return undefined;
  return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : USAGE_EXIT_CODE;
}

/** Commands that open the database themselves, or not at all. */
const WITHOUT_DATABASE = new Set(['backup', 'restore', 'help']);

/**
 * Whether the command line needs the configured database opened first: not
 * for help (no words, `--help`, `--version`), backup or restore.
 */
function needsDatabase(words: readonly string[]): boolean {
  if (words.length === 0) return false;
  if (words.some((word) => ['--help', '-h', '--version', '-V'].includes(word))) return false;
  return !WITHOUT_DATABASE.has(words[0]);
}

/** Exit codes: 0 done, 1 failed (a problem found, a configuration or runtime error), 2 usage error. */
async function main(): Promise<number> {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowthPercent);
  const database = needsDatabase(process.argv.slice(2));
  const app = await CommandFactory.createWithoutRunning(CliModule.forRoot(config, { database }), {
    logger: ['fatal'],
    abortOnError: false,
    outputConfiguration: { outputError: (text, write) => write(`sandbase: ${text}`) },
    // Failures reach the catch below instead of being printed and swallowed.
    serviceErrorHandler: (error) => {
      throw error;
    },
  });
  try {
    await CommandFactory.runApplication(app);
  } finally {
    await app.close();
  }
  return Number(process.exitCode ?? 0);
}

main().then(
  (code) => flushAndExit(code),
  (error: unknown) => {
    const usage = commanderExitCode(error);
    if (usage !== undefined) return flushAndExit(usage);
    const prefix = error instanceof ConfigError ? 'configuration error' : 'error';
    process.stderr.write(`sandbase: ${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
    flushAndExit(1);
  },
);
