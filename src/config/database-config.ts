import { resolve } from 'node:path';
import { ConfigError, Env, integer } from './env';

export type DatabaseConfig =
  | {
      type: 'sqlite';
      path: string;
      /** Group commit: how long a batch of write transactions stays open at most (0 = each commits alone). */
      commitWindowMs?: number;
    }
  | {
      type: 'postgres';
      url: string;
      poolSize: number;
      statementTimeoutMs: number;
      /**
       * Client-side limit for one round trip, so that a query on a connection
       * the network silently dropped fails (503) instead of hanging. 0 = none.
       */
      queryTimeoutMs: number;
      ssl: false | { rejectUnauthorized: boolean };
    };

export const DEFAULT_SQLITE_PATH = './data/sandbase.sqlite';

type SslMode = 'off' | 'require' | 'verify';
const SSL_MODES: readonly string[] = ['off', 'require', 'verify'];
/** libpq's `sslmode` values that mean one of ours; `allow` and `prefer` (TLS if offered) have no equivalent in the driver. */
const URL_SSL_MODES: Record<string, SslMode> = {
  disable: 'off',
  require: 'require',
  'verify-ca': 'verify',
  'verify-full': 'verify',
};
/** TLS parameters the driver would read from the URL, overriding DATABASE_SSL. */
const URL_TLS_PARAMETERS = ['ssl', 'sslcert', 'sslkey', 'sslrootcert', 'sslcrl', 'sslpassword', 'sslnegotiation', 'uselibpqcompat'];

/**
 * TLS is configured in one place. The driver lets TLS parameters in the URL
 * win over the ssl option, so a URL's `sslmode` is read here (as copied from a
 * provider's console) and removed from the URL the driver sees; a value that
 * contradicts DATABASE_SSL, or any other TLS parameter, is refused.
 */
function tlsSetting(parsed: URL, url: string, setting: string | undefined): { url: string; sslMode: SslMode } {
  const explicit = setting?.trim() || undefined;
  if (explicit !== undefined && !SSL_MODES.includes(explicit)) {
    throw new ConfigError(`DATABASE_SSL must be one of off, require, verify (got ${JSON.stringify(setting)})`);
  }
  for (const name of URL_TLS_PARAMETERS) {
    if (parsed.searchParams.has(name)) {
      throw new ConfigError(
        `DATABASE_URL parameter ${name} is not supported: set DATABASE_SSL (off, require, verify) instead, and trust a private CA with NODE_EXTRA_CA_CERTS`,
      );
    }
  }
  const urlModes = parsed.searchParams.getAll('sslmode');
  if (urlModes.length > 1) throw new ConfigError('DATABASE_URL gives sslmode more than once: give it once, or use DATABASE_SSL');
  const urlMode = urlModes[0] ?? null;
  if (urlMode === null) return { url, sslMode: (explicit as SslMode | undefined) ?? 'off' };
  const mapped = URL_SSL_MODES[urlMode];
  if (!mapped) {
    throw new ConfigError(
      `DATABASE_URL sslmode=${urlMode} is not supported: use sslmode=disable, require, verify-ca or verify-full, or DATABASE_SSL`,
    );
  }
  if (explicit !== undefined && explicit !== mapped) {
    throw new ConfigError(`DATABASE_URL sslmode=${urlMode} contradicts DATABASE_SSL=${explicit}: set TLS in one place`);
  }
  parsed.searchParams.delete('sslmode');
  return { url: parsed.toString(), sslMode: mapped };
}

export function parseDatabaseUrl(raw: string | undefined, env: Env = {}): DatabaseConfig {
  const url = raw?.trim() || '';
  // Unset: the adapter's default window.
  const commitWindowMs = env.DATABASE_COMMIT_WINDOW_MS?.trim() ? integer(env, 'DATABASE_COMMIT_WINDOW_MS', 0, 0, 1000) : undefined;
  if (url === '') return { type: 'sqlite', path: resolve(DEFAULT_SQLITE_PATH), commitWindowMs };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new ConfigError('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:./data/sandbase.sqlite');
    return { type: 'sqlite', path: path === ':memory:' ? path : resolve(path), commitWindowMs };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    }
    const { url: driverUrl, sslMode } = tlsSetting(parsed, url, env.DATABASE_SSL);
    const statementTimeoutMs = integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30000, 0, 3_600_000);
    return {
      type: 'postgres',
      url: driverUrl,
      poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs,
      // By default a little longer than the statement timeout, so that the
      // server's own limit (a clear error) normally comes first; none without one.
      queryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', statementTimeoutMs && statementTimeoutMs + 5000, 0, 3_600_000),
      ssl: sslMode === 'off' ? false : { rejectUnauthorized: sslMode === 'verify' },
    };
  }
  throw new ConfigError('DATABASE_URL must start with sqlite: or postgres:// (got an unsupported scheme)');
}
