import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(__dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Under `npm test` (test/run-tests.js builds first and sets
 * SANDBASE_TEST_BUILT=1) the suites run the compiled CLI and service in
 * `dist/`: what ships, and each process starts without compiling the sources.
 * A jest run of its own runs them from the sources.
 */
export const FROM_BUILD = process.env.SANDBASE_TEST_BUILT === '1';

/**
 * The words that start the admin CLI (run from ROOT): the built `sandbase`
 * bin, or the sources as `npm run cli -- ...` does.
 */
export function cliCommand(args: readonly string[]): string[] {
  if (FROM_BUILD) return [process.execPath, 'dist/src/cli/main.js', ...args];
  return [process.execPath, '-r', 'ts-node/register/transpile-only', 'src/cli/main.ts', ...args];
}

/** The same, as one line for `bash -c` (arguments in single quotes). */
export function cliShellCommand(args: readonly string[]): string {
  return cliCommand(args)
    .map((word) => `'${word}'`)
    .join(' ');
}

/** Runs the admin CLI as a separate process, as an operator would (`npm run cli -- ...`). */
export async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const [command, ...words] = cliCommand(args);
  try {
    const { stdout, stderr } = await run(command, words, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
