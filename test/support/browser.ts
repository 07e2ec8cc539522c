import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { createTestDatabase, TestDatabase } from './database';
import { Client } from './fixtures';
import { startServiceProcess, ServiceProcess } from './service-process';
import { http } from './test-app';

/**
 * The audit console in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the compiled service started as a process on a
 * fresh SQLite file.
 *
 * Chromium comes from CHROMIUM_PATH (default /usr/bin/chromium). Without it
 * the browser suites skip with one line, except under CI=true, where they fail.
 */

const ROOT = resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ci = process.env.CI === 'true' || process.env.CI === '1';
export const chromiumPresent = existsSync(CHROMIUM);

/** 1280x800: the size of every screenshot under docs/console/. */
export const VIEWPORT = { width: 1280, height: 800 };

/** `describe`, or `describe.skip` with one line when Chromium is missing outside CI (under CI the suite runs and fails). */
export function describeInBrowser(name: string, body: () => void): void {
  if (chromiumPresent || ci) {
    describe(name, body);
    return;
  }
  // test/run-tests.js already said so once for the whole run.
  if (process.env.SANDBASE_BROWSER_SKIP_NOTED !== '1') {
    process.stdout.write(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH; CI requires it)\n`);
  }
  describe.skip(name, body);
}

export function launchChromium(): Promise<Browser> {
  if (!chromiumPresent) throw new Error(`Chromium is required under CI and is missing at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What one browser context did: every request and navigation, and what the page must never do. */
export interface Recorder {
  /** Every URL the pages requested (documents, scripts, API calls, downloads). */
  requests: string[];
  /** Every URL a frame navigated to. */
  navigations: string[];
  /** Requests to anything but the service's origin: aborted, and a failure. */
  outside: string[];
  /** Uncaught exceptions in the page, and Content-Security-Policy violations. */
  pageErrors: string[];
}

/** A fresh context (its own storage) whose pages may reach the service's origin only; `recorder` to share one with another context. */
export async function openContext(
  browser: Browser,
  origin: string,
  options: { viewport?: { width: number; height: number }; deviceScaleFactor?: number; recorder?: Recorder } = {},
): Promise<{ context: BrowserContext; page: Page; recorder: Recorder }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? VIEWPORT,
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    acceptDownloads: true,
    serviceWorkers: 'block',
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  const recorder: Recorder = options.recorder ?? { requests: [], navigations: [], outside: [], pageErrors: [] };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin !== origin) {
      recorder.outside.push(url);
      await route.abort('blockedbyclient');
      return;
    }
    await route.continue();
  });
  context.on('request', (request) => recorder.requests.push(request.url()));
  const watch = (page: Page): void => {
    page.on('framenavigated', (frame) => recorder.navigations.push(frame.url()));
    page.on('pageerror', (error) => recorder.pageErrors.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) recorder.pageErrors.push(`CSP: ${message.text()}`);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  return { context, page, recorder };
}

/**
 * Where the screenshots go: the README's own (docs/console) with
 * `UPDATE_DOCS=1`, otherwise a directory under the system's temp folder, so
 * a plain test run leaves the committed images alone (ids and times differ
 * on every run) yet still takes every screenshot.
 */
export const SCREENSHOT_DIR = process.env.UPDATE_DOCS === '1' ? join(ROOT, 'docs', 'console') : join(tmpdir(), 'sandbase-console-screenshots');

/** The visible viewport as PNG: taken mid-test, written by `saveScreenshot` once the test's assertions passed. */
export function screenshot(page: Page): Promise<Buffer> {
  return page.screenshot({ type: 'png', fullPage: false, animations: 'disabled', caret: 'hide' });
}

export function saveScreenshot(view: string, png: Buffer): void {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  writeFileSync(join(SCREENSHOT_DIR, `${view}.png`), png);
}

/** The service, its database, an admin key (the bootstrap key) for the test's own data, and a read key for the console. */
export interface ConsoleService {
  service: ServiceProcess;
  database: TestDatabase;
  /** The SQLite file, to tamper with. */
  sqliteFile: string;
  baseUrl: string;
  admin: Client;
  reader: Client & { id: string };
  /** A write key of the same organization, `name`d, made on demand. */
  writer(name: string): Promise<Client & { id: string }>;
  stop(): Promise<void>;
}


/** The compiled console must exist: the service serves dist/console. */
function requireBuiltConsole(): void {
  if (!existsSync(join(ROOT, 'dist', 'console', 'index.html'))) {
    throw new Error('dist/console/index.html is missing: build the console first (npm run build), as npm test does');
  }
}

async function createKey(admin: Client, name: string, scope: string): Promise<Client & { id: string }> {
  const created = await http(admin, 'POST', '/v1/api_keys', { body: { name, scope } });
  if (created.status !== 200) throw new Error(`creating key ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  return { baseUrl: admin.baseUrl, key: created.body.key, id: created.body.id };
}

/**
 * Starts the service on a fresh SQLite file (whatever DATABASE_URL says) at
 * log level info, so that every request is logged and the key's absence from
 * the log means something.
 */
export async function startConsoleService(env: Record<string, string> = {}): Promise<ConsoleService> {
  requireBuiltConsole();
  const database = await createTestDatabase({ forceSqlite: true });
  const bootstrap = `sk-sb-${randomBytes(20).toString('hex')}`;
  const service = await startServiceProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'info', SANDBASE_BOOTSTRAP_API_KEY: bootstrap, ...env });
  const admin: Client = { baseUrl: service.baseUrl, key: bootstrap };
  const reader = await createKey(admin, 'console reader', 'read');
  return {
    service,
    database,
    sqliteFile: database.url.slice('sqlite:'.length),
    baseUrl: service.baseUrl,
    admin,
    reader,
    writer: (name) => createKey(admin, name, 'write'),
    stop: async () => {
      await service.stop();
      await database.drop();
    },
  };
}

/**
 * The secrets must never be in a URL the browser asked for or went to, nor in
 * the service's log; and the pages made no outside request and raised no
 * error or CSP violation.
 */
export function expectSecretsKept(recorder: Recorder, service: ServiceProcess, secrets: string[]): void {
  const urls = [...recorder.requests, ...recorder.navigations];
  expect(urls.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(urls.filter((url) => url.includes(secret) || url.includes(encodeURIComponent(secret)))).toEqual([]);
    expect(service.output().includes(secret)).toBe(false);
  }
}

/** The page made no request outside the service's origin and raised no uncaught error or CSP violation. */
export function expectPageClean(recorder: Recorder): void {
  expect({ outside: recorder.outside, pageErrors: recorder.pageErrors }).toEqual({ outside: [], pageErrors: [] });
}

/** Signs in through the form and waits for the page asked for (the environments list by default). */
export async function signIn(page: Page, baseUrl: string, key: string, path = '/console/environments'): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByTestId('signin-key').fill(key);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('signin-key').waitFor({ state: 'detached' });
}

/** A describe block's service, browser and signed-out page (a fresh context per test file). */
export interface ConsoleSession extends ConsoleService {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  recorder: Recorder;
  /** Another fresh context (signed out, its own storage) recorded with the first. */
  newContext(options?: { viewport?: { width: number; height: number }; deviceScaleFactor?: number }): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * Starts the service (with `env`, or what `env()` gives, e.g. after making key
 * files) and Chromium before the block's tests, checks after each
 * test that the page stayed on the service's origin without errors, and closes
 * everything after them.
 *
 *   let s: ConsoleSession;
 *   withConsole((session) => (s = session));
 */
export function withConsole(
  use: (session: ConsoleSession) => unknown,
  env: Record<string, string> | (() => Promise<Record<string, string>>) = {},
): void {
  let service: ConsoleService | undefined;
  let browser: Browser | undefined;
  let session: ConsoleSession | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    service = await startConsoleService(typeof env === 'function' ? await env() : env);
    const opened = await openContext(browser, service.baseUrl);
    const baseUrl = service.baseUrl;
    const shared = browser;
    const newContext: ConsoleSession['newContext'] = (options = {}) => openContext(shared, baseUrl, { ...options, recorder: opened.recorder });
    session = { ...service, browser, ...opened, newContext };
    await use(session);
  });
  afterEach(() => {
    if (session) expectPageClean(session.recorder);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });
}
