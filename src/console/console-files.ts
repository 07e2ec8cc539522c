import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/** The headers of every console answer: a strict Content-Security-Policy and no framing, sniffing or referrer. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Content types of the files the console build writes. */
export const ASSET_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A plain file name: no directory, no leading dot. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** The built console (`npm run build` writes dist/console), found from here whether run from src/ (ts-node) or dist/src/. */
export function consoleDirectory(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
  }
  return join(__dirname, '..', '..', 'console');
}

export interface ConsoleAsset {
  type: string;
  content: Buffer;
}

/** The console's files on disk: read on each request (small, and a rebuild shows without a restart). */
export class ConsoleFiles {
  constructor(private readonly directory: string = consoleDirectory()) {}

  /** index.html, or null when the console was not built. */
  index(): Buffer | null {
    const file = join(this.directory, 'index.html');
    return existsSync(file) ? readFileSync(file) : null;
  }

  /** A file of assets/ by its plain name, or null when there is no such file. */
  asset(name: string): ConsoleAsset | null {
    const type = ASSET_TYPES[extname(name)];
    if (!type || !FILE_NAME.test(name)) return null;
    const dir = join(this.directory, 'assets');
    if (!existsSync(dir) || !readdirSync(dir).includes(name)) return null;
    const file = join(dir, name);
    if (!statSync(file).isFile()) return null;
    return { type, content: readFileSync(file) };
  }
}
