import { CommandRunner, Option } from 'nest-commander';
import { progress, Progress } from './progress';

/** The commander command a runner is attached to (nest-commander's own copy of commander). */
export type CommanderCommand = Parameters<CommandRunner['setCommand']>[0];

/** What a command reports besides its output: 0 done, 1 failed (a problem found, a missing key). */
export type ExitCode = 0 | 1;

/** Exit code of a usage error: a word, option or value the command does not take. */
export const USAGE_EXIT_CODE = 2;

/**
 * Settings every command of the CLI shares: commander's errors are thrown
 * (main decides the exit code), the command's help follows a usage error,
 * and neither unknown options nor extra words are ever ignored.
 */
export function strictCommand(command: CommanderCommand): CommanderCommand {
  return command.exitOverride().showHelpAfterError().allowUnknownOption(false).allowExcessArguments(false);
}

/**
 * A command that does something: `execute` returns the exit code. Usage
 * problems only the command can see (a missing key file setting) are
 * refused with `usageError`, exactly like commander's own.
 */
export abstract class CliCommand<Options = Record<string, never>> extends CommandRunner {
  override setCommand(command: CommanderCommand): this {
    return super.setCommand(strictCommand(command));
  }

  async run(params: string[], options?: Record<string, unknown>): Promise<void> {
    const code = await this.execute(params, (options ?? {}) as Options);
    if (code !== 0) process.exitCode = code;
  }

  protected abstract execute(params: string[], options: Options): Promise<ExitCode>;

  protected usageError(message: string): never {
    return this.command.error(message, { exitCode: USAGE_EXIT_CODE, code: 'sandbase.usage' });
  }
}

/** A command whose work takes long: it reports progress on standard error unless `--quiet`. */
export abstract class LongTaskCommand<Options extends { quiet?: true }> extends CliCommand<Options> {
  protected progress(task: string, unit: string, { quiet }: Options): Progress {
    return progress(task, unit, { quiet: quiet === true });
  }

  @Option({ flags: '--quiet', description: 'print no progress lines on standard error' })
  parseQuiet(): true {
    return true;
  }
}

/** A word that only groups subcommands (`keys`, `audit`): alone, or followed by an unknown word, it is a usage error. */
export abstract class CommandGroup extends CommandRunner {
  override setCommand(command: CommanderCommand): this {
    return super.setCommand(strictCommand(command).allowExcessArguments(true));
  }

  async run([word]: string[]): Promise<void> {
    if (word === undefined) this.command.help({ error: true });
    this.command.error(`error: unknown command '${word}'`, { exitCode: USAGE_EXIT_CODE, code: 'commander.unknownCommand' });
  }
}

/**
 * An option value commander refuses as a usage error (it recognises the
 * error by its code and names the option in front of the message).
 */
export function invalidValue(message: string): Error {
  return Object.assign(new Error(message), { code: 'commander.invalidArgument', exitCode: USAGE_EXIT_CODE });
}

/** An option's value, refusing an empty one (`--dir=`). */
export function given(value: string): string {
  if (value === '') throw invalidValue('it needs a value');
  return value;
}

/** A value that is not blank, e.g. `--org " "`. */
export function nonBlank(value: string): string {
  if (!value.trim()) throw invalidValue('it cannot be blank');
  return value;
}
