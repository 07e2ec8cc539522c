import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { ApiKeysService, CreatedApiKey, KeyOptions } from '../../src/auth/api-keys.service';
import { loadConfig, parseDatabaseUrl } from '../../src/config/config';
import { Database, DATABASE, sql } from '../../src/database/database';
import { createTestDatabase, TestDatabase } from './database';
import { OpenApiDocumentSource } from '../../src/openapi/openapi.controller';
import { ResponseChecker } from './openapi-responses';

/**
 * Suites drive hundreds of writes a second through one key: rate limits are
 * off in the test service unless a test sets them (rate-limits.e2e does).
 */
export const UNLIMITED = { SANDBASE_RATE_LIMIT_READS_PER_MINUTE: '0', SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '0' };

/** The real service listening on a random loopback port, on a fresh database. */
export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  db: Database;
  database: TestDatabase;
  /** A key of organization "test-org", created at start. */
  key: string;
  /** A new key of `organization` (created if new): scope write unless `options` say otherwise. */
  createKey(organization: string, options?: KeyOptions): Promise<CreatedApiKey>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** A fresh SQLite file whatever DATABASE_URL says. */
  forceSqlite?: boolean;
  /** An existing database (not dropped on close). */
  databaseUrl?: string;
  /**
   * Check every answer against the API description (on unless false or
   * SANDBASE_TEST_CHECK_RESPONSES=0): `close()` fails listing the answers
   * that drifted from it.
   */
  checkResponses?: boolean;
}

export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database: TestDatabase = options.databaseUrl
    ? { url: options.databaseUrl, config: parseDatabaseUrl(options.databaseUrl), drop: async () => undefined }
    : await createTestDatabase({ forceSqlite: options.forceSqlite });
  const config = loadConfig({ LOG_LEVEL: 'error', PORT: '0', DATABASE_URL: database.url, ...UNLIMITED, ...env });
  // The test database's own settings (a pool of 20), overridden by any DATABASE_* setting in `env`.
  config.database = parseDatabaseUrl(database.url, { DATABASE_POOL_SIZE: '20', ...env });
  const app = await createApp(config);
  const checkResponses = options.checkResponses ?? process.env.SANDBASE_TEST_CHECK_RESPONSES !== '0';
  const checker = checkResponses ? new ResponseChecker(() => app.get(OpenApiDocumentSource).get()) : null;
  checker?.hook(app.getHttpAdapter().getInstance());
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const keys = app.get(ApiKeysService);
  const created = await keys.createKey('test-org');
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    db: app.get<Database>(DATABASE),
    database,
    key: created.key,
    createKey: (organization, options) => keys.createKey(organization, options),
    close: async () => {
      await app.close();
      await database.drop();
      checker?.assertNoDrift();
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A JSON request over real HTTP. `body` may be a string to send it verbatim. */
export async function http<T = any>(
  t: Pick<TestApp, 'baseUrl' | 'key'>,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; key?: string | null; signal?: AbortSignal } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? t.key : options.key;
  if (key !== null) headers['x-api-key'] = key;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(t.baseUrl + path, { method, headers, body: payload, signal: options.signal });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

/** This process's environment without LOG_LEVEL, to start the service at its default log level. */
export function withoutLogLevel(): NodeJS.ProcessEnv {
  const { LOG_LEVEL: _ignored, ...rest } = process.env;
  return rest;
}

/**
 * The test app of a describe block: started before its tests and handed to
 * `use`, closed after them.
 *
 *   let t: TestApp;
 *   withTestApp((app) => (t = app));
 */
export function withTestApp(use: (app: TestApp) => unknown, env: Record<string, string> = {}, options: TestAppOptions = {}): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp(env, options);
    await use(app);
  });
  afterAll(async () => {
    await app?.close();
  });
}

/** How many events the log holds: a refused request must leave it unchanged. */
export async function eventCount(t: Pick<TestApp, 'db'>): Promise<number> {
  const rows = await t.db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM events`);
  return Number(rows[0].n);
}
