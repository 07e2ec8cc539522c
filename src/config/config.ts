import { isIP } from 'node:net';
import { resolve } from 'node:path';

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

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug'];

export interface AppConfig {
  port: number;
  host: string;
  database: DatabaseConfig;
  logLevel: LogLevel;
  bootstrapApiKey: string | null;
  bodyLimitBytes: number;
  /** Proxies whose X-Forwarded-For is believed (IP addresses or CIDR ranges); the client address of a change is taken from it. */
  trustedProxies: string[];
  /** PEM files of the Ed25519 key that signs audit checkpoints, and of its public half. */
  audit: { signingKeyFile: string | null; publicKeyFile: string | null };
  /** Per API key token buckets (requests per minute; 0 = that limit is off), shared through Redis when `redisUrl` is set. */
  rateLimit: RateLimitConfig;
  /** How long a client may take over a request, and keep an idle connection (slow clients must not hold the server). */
  timeouts: HttpTimeouts;
  /** Origins allowed to call the API from a browser (CORS); empty = CORS off. */
  corsOrigins: string[];
  /** Idempotency-Key: how long answers are kept for replay; after how long a running claim counts as abandoned (its process died). */
  idempotencyTtlSeconds: number;
  idempotencyLeaseSeconds: number;
  metrics: MetricsConfig;
  /** Log lines as JSON (the default), or `pretty` (readable, for a terminal only: JSON whenever standard output is not a TTY). */
  logFormat: LogFormat;
  /** Authenticated keys kept in memory: how many, and for how long at most (a change made elsewhere is seen within `ttlMs`). */
  keyCache: KeyCacheConfig;
}

export type LogFormat = 'json' | 'pretty';

/** Prometheus metrics: GET /metrics on the API's port with a Bearer token, and/or on a port of their own. */
export interface MetricsConfig {
  /** METRICS_TOKEN: /metrics on the API's port needs it (and METRICS_PORT too, when both are set); null = no /metrics on the API's port. */
  token: string | null;
  /** METRICS_PORT: a listener that serves /metrics only; null = none. */
  port: number | null;
  /** METRICS_HOST: the address METRICS_PORT listens on (default: HOST). */
  host: string;
}

export interface KeyCacheConfig {
  /** 0..1000; 0 turns the cache off. */
  ttlMs: number;
  /** 0 turns the cache off. */
  maxEntries: number;
}

export interface RateLimitConfig {
  readsPerMinute: number;
  writesPerMinute: number;
  redisUrl: string | null;
  /** Prefix of the Redis keys of the buckets, so that deployments (or test runs) sharing one Redis do not share buckets. */
  redisKeyPrefix: string;
}

export interface HttpTimeouts {
  /** The request line and headers must have arrived within this time. */
  headersMs: number;
  /** The whole request (headers and body) must have arrived within this time. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveMs: number;
  /** A connection on which nothing at all happens is closed after this time. */
  idleSocketMs: number;
}

export class ConfigError extends Error {}

export const DEFAULT_SQLITE_PATH = './data/sandbase.sqlite';

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number (got ${JSON.stringify(raw)})`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${value})`);
  return value;
}

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

/**
 * TRUSTED_PROXIES: comma-separated IP addresses or CIDR ranges (e.g.
 * `127.0.0.1,10.0.0.0/8`). Only a request arriving from one of them has its
 * X-Forwarded-For believed; empty means none, so a client cannot claim
 * another address.
 */
export function parseTrustedProxies(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. 10.0.0.0/8)`);
    }
  }
  return entries;
}

/** CORS_ORIGINS: comma-separated origins such as `https://app.example.com`; each must be a bare scheme://host[:port]. */
export function parseCorsOrigins(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    let origin: string | null = null;
    try {
      origin = new URL(entry).origin;
    } catch {
      /* refused below */
    }
    if (origin !== entry.replace(/\/$/, '') || !/^https?:/.test(entry)) {
      throw new ConfigError(`CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin (e.g. https://app.example.com, no path)`);
    }
  }
  return entries.map((entry) => entry.replace(/\/$/, ''));
}

function httpTimeouts(env: Env): HttpTimeouts {
  const requestMs = integer(env, 'SANDBASE_REQUEST_TIMEOUT_MS', 30_000, 1000, 3_600_000);
  const headersMs = integer(env, 'SANDBASE_HEADERS_TIMEOUT_MS', Math.min(10_000, requestMs), 1000, 3_600_000);
  if (headersMs > requestMs) {
    throw new ConfigError(`SANDBASE_HEADERS_TIMEOUT_MS (${headersMs}) must not exceed SANDBASE_REQUEST_TIMEOUT_MS (${requestMs})`);
  }
  return {
    headersMs,
    requestMs,
    keepAliveMs: integer(env, 'SANDBASE_KEEP_ALIVE_TIMEOUT_MS', 5000, 1000, 3_600_000),
    idleSocketMs: integer(env, 'SANDBASE_IDLE_SOCKET_TIMEOUT_MS', 60_000, 1000, 3_600_000),
  };
}

function rateLimitConfig(env: Env): RateLimitConfig {
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must start with redis:// or rediss:// (e.g. redis://127.0.0.1:6379)');
  }
  return {
    readsPerMinute: integer(env, 'SANDBASE_RATE_LIMIT_READS_PER_MINUTE', 6000, 0, 10_000_000),
    writesPerMinute: integer(env, 'SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE', 600, 0, 10_000_000),
    redisUrl,
    redisKeyPrefix: env.SANDBASE_RATE_LIMIT_REDIS_PREFIX?.trim() || 'sandbase:ratelimit:',
  };
}

function metricsConfig(env: Env, host: string): MetricsConfig {
  const token = env.METRICS_TOKEN?.trim() || null;
  if (token !== null && !/^[\x21-\x7e]{16,512}$/.test(token)) {
    throw new ConfigError('METRICS_TOKEN must be 16 to 512 printable characters without spaces');
  }
  const port = env.METRICS_PORT?.trim() ? integer(env, 'METRICS_PORT', 0, 1, 65535) : null;
  return { token, port, host: env.METRICS_HOST?.trim() || host };
}

function logFormat(env: Env): LogFormat {
  if (['1', 'true'].includes((env.LOG_PRETTY ?? '').trim().toLowerCase())) return 'pretty';
  const format = (env.LOG_FORMAT ?? 'json').trim().toLowerCase();
  if (format !== 'json' && format !== 'pretty') throw new ConfigError(`LOG_FORMAT must be json or pretty (got ${JSON.stringify(env.LOG_FORMAT)})`);
  return format;
}

/** Reads and validates the configuration; throws ConfigError with one clear sentence. */
export function loadConfig(env: Env = process.env): AppConfig {
  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(env.LOG_LEVEL)})`);
  }
  const host = (env.HOST ?? '127.0.0.1').trim();
  if (host === '') throw new ConfigError('HOST must not be empty');
  const bootstrap = env.SANDBASE_BOOTSTRAP_API_KEY?.trim() || null;
  if (bootstrap !== null && !/^sk-sb-[A-Za-z0-9_-]{16,200}$/.test(bootstrap)) {
    throw new ConfigError('SANDBASE_BOOTSTRAP_API_KEY must look like sk-sb-<at least 16 letters, digits, - or _>');
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host,
    database: parseDatabaseUrl(env.DATABASE_URL, env),
    logLevel,
    bootstrapApiKey: bootstrap,
    bodyLimitBytes: integer(env, 'SANDBASE_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    trustedProxies: parseTrustedProxies(env.TRUSTED_PROXIES),
    audit: {
      signingKeyFile: env.SANDBASE_AUDIT_SIGNING_KEY_FILE?.trim() || null,
      publicKeyFile: env.SANDBASE_AUDIT_PUBLIC_KEY_FILE?.trim() || null,
    },
    rateLimit: rateLimitConfig(env),
    timeouts: httpTimeouts(env),
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS),
    idempotencyTtlSeconds: integer(env, 'SANDBASE_IDEMPOTENCY_TTL_SECONDS', 86_400, 1, 30 * 86_400),
    idempotencyLeaseSeconds: integer(env, 'SANDBASE_IDEMPOTENCY_LEASE_SECONDS', 60, 1, 3_600),
    metrics: metricsConfig(env, host),
    logFormat: logFormat(env),
    keyCache: {
      // At most one second: the bound within which a key revoked elsewhere stops working here.
      ttlMs: integer(env, 'SANDBASE_KEY_CACHE_TTL_MS', 1000, 0, 1000),
      maxEntries: integer(env, 'SANDBASE_KEY_CACHE_SIZE', 10_000, 0, 1_000_000),
    },
  };
}
