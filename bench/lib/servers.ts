/**
 * The two servers the benchmark compares: Sandbase as built (dist/), and the
 * reference of bench/reference/, both started as plain `node <file>.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { freePort, ServerProcess } from './processes';
import { newStore, Store, StoreKind } from './stores';

export const ROOT = join(__dirname, '..', '..');
export const SANDBASE_MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const SANDBASE_CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const REFERENCE_SOURCE = join(ROOT, 'bench', 'reference', 'server.ts');
const REFERENCE_MAIN = join(ROOT, 'dist', 'bench-reference', 'server.js');

export type ServerName = 'sandbase' | 'reference';

export interface Target {
  name: ServerName;
  newStore(label: string): Promise<Store>;
  start(store: Store, logFile: string): Promise<ServerProcess>;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : path.endsWith('.ts') ? statSync(path).mtimeMs : 0);
  }
  return newest;
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * `npm run build` when dist/ is older than any source file (or when BENCH_BUILD=1),
 * and the reference server transpiled to plain JavaScript beside it.
 */
export function build(force: boolean): void {
  if (force || mtime(SANDBASE_MAIN) < newestSource(join(ROOT, 'src'))) {
    console.log('building Sandbase (npm run build) ...');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const output = ts.transpileModule(readFileSync(REFERENCE_SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  mkdirSync(dirname(REFERENCE_MAIN), { recursive: true });
  writeFileSync(REFERENCE_MAIN, output.outputText);
}

export function sandbaseEnv(store: Store, apiKey: string): Record<string, string> {
  return {
    DATABASE_URL: store.url,
    LOG_LEVEL: 'warn',
    SANDBASE_BOOTSTRAP_API_KEY: apiKey,
    SANDBASE_RATE_LIMIT_READS_PER_MINUTE: '0',
    SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '0',
  };
}

async function startOnFreePort(label: ServerName, logFile: string, args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  return ServerProcess.start({ label, port, logFile, args, env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
}

export function targets(kind: StoreKind, apiKey: string): Record<ServerName, Target> {
  const sqlite: StoreKind = { type: 'sqlite', root: kind.root };
  return {
    sandbase: {
      name: 'sandbase',
      newStore: (label) => newStore(kind, `sandbase_${label}`),
      start: (store, logFile) => startOnFreePort('sandbase', logFile, [SANDBASE_MAIN], sandbaseEnv(store, apiKey)),
    },
    reference: {
      name: 'reference',
      newStore: (label) => newStore(sqlite, `reference_${label}`),
      start: (store, logFile) =>
        startOnFreePort('reference', logFile, [REFERENCE_MAIN], { REFERENCE_DATABASE: store.file!, REFERENCE_API_KEY: apiKey }),
    },
  };
}

/** The commit being measured, marked when src/ has uncommitted changes. */
export function gitDescription(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT }).toString().trim() !== '';
    return dirty ? `${commit} (src/ modified)` : commit;
  } catch {
    return 'unknown';
  }
}
