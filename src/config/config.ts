import { isIP } from 'node:net';
import { ConfigError, Env, integer } from './env';
import { DatabaseConfig, parseDatabaseUrl } from './database-config';

export { ConfigError } from './env';
export { DEFAULT_SQLITE_PATH, parseDatabaseUrl } from './database-config';
export type { DatabaseConfig } from './database-config';

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
  /**
   * PEM files of the Ed25519 key that signs audit checkpoints, and of its
   * public half; the directory of checkpoints the service reports on in
   * GET /v1/environment_versions/verify (null: it reports none).
   */
  audit: { signingKeyFile: string | null; publicKeyFile: string | null; checkpointDir: string | null };
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
  /** The work queue: how often expired leases are looked for (each pass stops at most 100 items). */
  work: { sweepIntervalMs: number };
  auditStream: AuditStreamConfig;
  /** V8's old generation grows at most this many percent past its live size between full collections (0 = V8's own choice). */
  heapGrowthPercent: number;
}

/** Delivery of the audit stream to the organizations' sinks (docs/audit.md, "Streaming to a SIEM"). */
export interface AuditStreamConfig {
  /** How often each instance looks for sinks with records to deliver. */
  intervalMs: number;
  /** A sink's delivery lease: renewed while its instance delivers, taken over by another instance once it ran out. */
  leaseMs: number;
  /** Backoff after a failed delivery: doubling from `backoffMs` up to `backoffMaxMs`, with jitter. */
  backoffMs: number;
  backoffMaxMs: number;
  /** How long a webhook or NATS acknowledgement may take before the attempt counts as failed. */
  timeoutMs: number;
  /** The directory `file` sinks write into (null: file sinks are refused). */
  fileDir: string | null;
  /** The NATS server of `nats` sinks (null: nats sinks are refused). */
  natsUrl: string | null;
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

function auditStreamConfig(env: Env): AuditStreamConfig {
  const timeoutMs = integer(env, 'SANDBASE_AUDIT_STREAM_TIMEOUT_MS', 5_000, 100, 600_000);
  const leaseMs = integer(env, 'SANDBASE_AUDIT_STREAM_LEASE_MS', 10_000, 500, 3_600_000);
  if (leaseMs <= timeoutMs) {
    throw new ConfigError(`SANDBASE_AUDIT_STREAM_LEASE_MS (${leaseMs}) must exceed SANDBASE_AUDIT_STREAM_TIMEOUT_MS (${timeoutMs}): a delivery must end within its lease`);
  }
  const backoffMs = integer(env, 'SANDBASE_AUDIT_STREAM_BACKOFF_MS', 1000, 10, 3_600_000);
  const natsUrl = env.SANDBASE_AUDIT_STREAM_NATS_URL?.trim() || null;
  if (natsUrl !== null && !/^(nats|tls):\/\/[^\s]+$/.test(natsUrl)) {
    throw new ConfigError('SANDBASE_AUDIT_STREAM_NATS_URL must start with nats:// or tls:// (e.g. nats://127.0.0.1:4222)');
  }
  return {
    intervalMs: integer(env, 'SANDBASE_AUDIT_STREAM_INTERVAL_MS', 1000, 20, 600_000),
    leaseMs,
    backoffMs,
    backoffMaxMs: integer(env, 'SANDBASE_AUDIT_STREAM_BACKOFF_MAX_MS', 300_000, backoffMs, 86_400_000),
    timeoutMs,
    fileDir: env.SANDBASE_AUDIT_STREAM_FILE_DIR?.trim() || null,
    natsUrl,
  };
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
      checkpointDir: env.SANDBASE_AUDIT_CHECKPOINT_DIR?.trim() || null,
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
    work: { sweepIntervalMs: integer(env, 'SANDBASE_WORK_SWEEP_INTERVAL_MS', 1000, 50, 600_000) },
    auditStream: auditStreamConfig(env),
    heapGrowthPercent: integer(env, 'SANDBASE_HEAP_GROWTH_PERCENT', 50, 0, 300),
  };
}
