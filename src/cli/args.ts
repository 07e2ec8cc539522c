/** A small argument parser: positional words, `--flag`, `--name value` and `--name=value`. */
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], valued: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
    }
  }
  return { positional, options };
}

/** Each command's options and how many words follow it (e.g. the key id of `keys revoke`). */
const COMMANDS: Record<string, { options: readonly string[]; operands: number }> = {
  'keys create': { options: ['org', 'json'], operands: 0 },
  'keys list': { options: ['json'], operands: 0 },
  'keys revoke': { options: [], operands: 1 },
  'environments archive': { options: [], operands: 1 },
  'environments delete': { options: [], operands: 1 },
  'projections rebuild': { options: ['json'], operands: 0 },
  'projections verify': { options: ['json'], operands: 0 },
  'audit verify': { options: ['org', 'checkpoints', 'json'], operands: 0 },
  'audit checkpoint': { options: ['dir'], operands: 0 },
  'audit keygen': { options: ['dir'], operands: 0 },
  'audit export': { options: ['since', 'org'], operands: 0 },
  export: { options: ['out'], operands: 0 },
  import: { options: ['in'], operands: 0 },
};

/**
 * Refuses options a command does not take and words it does not expect, so
 * that a typo (`--checkpoint` for `--checkpoints`) is a usage error rather
 * than a check silently skipped. Unknown commands are left to the command.
 */
export function checkCommandArgs(args: ParsedArgs): void {
  const [group, action] = args.positional;
  const single = group === 'export' || group === 'import';
  const name = single ? group : `${group} ${action ?? ''}`;
  const command = COMMANDS[name];
  if (!command) return;
  for (const option of args.options.keys()) {
    if (!command.options.includes(option)) {
      const known = command.options.length ? `; it takes ${command.options.map((o) => `--${o}`).join(', ')}` : '';
      throw new UsageError(`${name} has no option --${option}${known}`);
    }
  }
  const extra = args.positional.slice((single ? 1 : 2) + command.operands);
  if (extra.length) throw new UsageError(`${name}: unexpected ${JSON.stringify(extra[0])}`);
}
