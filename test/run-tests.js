#!/usr/bin/env node
/**
 * `npm test`: the whole suite on SQLite (unit, int, e2e and the audit
 * console's browser tests), then the database-backed layers (int, e2e) again
 * on PostgreSQL.
 *
 * PostgreSQL comes from TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test); each test file gets its own fresh
 * database there. Without a reachable server the PostgreSQL run is skipped
 * with one line, except under CI=true, where that is a failure.
 * Extra arguments go to jest (e.g. `npm test -- test/e2e/sdk.e2e.spec.ts`).
 *
 * Redis (for the rate limit shared by instances) comes from TEST_REDIS_URL
 * (default redis://127.0.0.1:6379). Without one the tests that need it are
 * skipped with one line, except under CI=true, where that is a failure.
 *
 * NATS with JetStream (for the audit stream's nats sinks) comes from
 * TEST_NATS_URL (default nats://127.0.0.1:4222), alike: without one the
 * tests that need it are skipped with one line, except under CI=true.
 *
 * Headless Chromium (for the browser tests of the audit console) is Debian's
 * `chromium` at CHROMIUM_PATH (default /usr/bin/chromium): without it the
 * browser tests are skipped with one line, except under CI=true.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const NATS_URL = process.env.TEST_NATS_URL || 'nats://127.0.0.1:4222';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ci = process.env.CI === 'true' || process.env.CI === '1';
const extra = process.argv.slice(2);
const jestBin = require.resolve('jest/bin/jest');
const outDir = mkdtempSync(join(tmpdir(), 'sandbase-jest-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let failedRuns = 0;

function runJest(label, args, env) {
  process.stdout.write(`\n=== ${label} ===\n`);
  const outputFile = join(outDir, `${label.replace(/\W+/g, '-')}.json`);
  // Extra arguments (file paths) go before the project selection: after
  // `--selectProjects` jest would read them as more project names.
  const result = spawnSync(process.execPath, [jestBin, '--json', `--outputFile=${outputFile}`, ...extra, ...args], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
    if (report.numTotalTestSuites > 0 && report.numFailedTestSuites > 0 && report.numFailedTests === 0) {
      totals.failed += report.numFailedTestSuites; // a suite that failed to load counts as a failure
    }
  } catch {
    totals.failed += 1;
  }
  if (result.status !== 0) failedRuns += 1;
}

async function postgresReachable() {
  const { Client } = require('pg');
  const client = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    return error.message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** true, or why no Redis answers PING at REDIS_URL. */
function redisReachable() {
  const { createConnection } = require('node:net');
  const { hostname, port } = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = createConnection(Number(port) || 6379, hostname, () => socket.write('PING\r\n'));
    const finish = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(3000, () => finish('no answer within 3 s'));
    socket.on('data', (data) => finish(String(data).startsWith('+PONG') ? true : `unexpected answer ${JSON.stringify(String(data).trim())}`));
    socket.on('error', (error) => finish(error.message));
  });
}

/** true, or why no NATS server with JetStream answers at NATS_URL (its INFO line must say jetstream). */
function natsReachable() {
  const { createConnection } = require('node:net');
  const { hostname, port } = new URL(NATS_URL);
  return new Promise((resolve) => {
    const socket = createConnection(Number(port) || 4222, hostname);
    const finish = (result) => {
      socket.destroy();
      resolve(result);
    };
    let received = '';
    socket.setTimeout(3000, () => finish('no answer within 3 s'));
    socket.on('data', (data) => {
      received += String(data);
      if (!received.includes('\n')) return;
      if (!received.startsWith('INFO ')) finish(`unexpected answer ${JSON.stringify(received.trim().slice(0, 80))}`);
      else finish(/"jetstream"\s*:\s*true/.test(received) ? true : 'the server runs without JetStream');
    });
    socket.on('error', (error) => finish(error.message));
  });
}

/** Sets `variable` for the tests when `reachable` is true; otherwise one line, and a failure under CI. */
function requireService(name, url, variable, reachable) {
  if (reachable === true) {
    process.env[variable] = url;
  } else if (ci) {
    process.stdout.write(`\n${name} tests FAILED: no ${name} at ${url} (${reachable}); CI requires it.\n`);
    failedRuns += 1;
    totals.failed += 1;
  } else {
    delete process.env[variable]; // the suites that need it skip themselves
    process.stdout.write(`\n${name} tests skipped: no ${name} at ${url} (${reachable}). Set ${variable} to run them.\n`);
  }
}

/** One line when Chromium is missing (the browser suites then skip themselves), and a failure under CI. */
function requireChromium() {
  if (existsSync(CHROMIUM)) return;
  if (ci) {
    process.stdout.write(`\nBrowser tests FAILED: no Chromium at ${CHROMIUM}; CI requires it (apt-get install chromium).\n`);
    failedRuns += 1;
    totals.failed += 1;
  } else {
    process.env.SANDBASE_BROWSER_SKIP_NOTED = '1'; // said here once, not again by each suite
    process.stdout.write(`\nBrowser tests skipped: no Chromium at ${CHROMIUM}. Install Debian's chromium or set CHROMIUM_PATH.\n`);
  }
}

(async () => {
  requireService('NATS', NATS_URL, 'TEST_NATS_URL', await natsReachable());
  requireChromium();
  const redis = await redisReachable();
  if (redis === true) {
    process.env.TEST_REDIS_URL = REDIS_URL;
  } else if (ci) {
    process.stdout.write(`\nRedis tests FAILED: no Redis at ${REDIS_URL} (${redis}); CI requires it.\n`);
    failedRuns += 1;
    totals.failed += 1;
  } else {
    process.stdout.write(`\nRedis tests skipped: no Redis at ${REDIS_URL} (${redis}). Set TEST_REDIS_URL to run them.\n`);
  }
  // The e2e suites run the compiled CLI and service (test/support/cli.ts): build them from these sources first.
  const built = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (built.status !== 0) {
    process.stdout.write('\nThe build (tsc -p tsconfig.build.json) failed: no test was run.\n');
    process.exit(1);
  }
  // The service serves the audit console from dist/console (src/console): build it too, as `npm run build` does.
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const consoleBuilt = spawnSync(process.execPath, [vite, 'build', '--config', 'console/vite.config.ts'], { stdio: 'inherit' });
  if (consoleBuilt.status !== 0) {
    process.stdout.write('\nThe console build (vite build --config console/vite.config.ts) failed: no test was run.\n');
    process.exit(1);
  }
  process.env.SANDBASE_TEST_BUILT = '1';
  const sqliteEnv = { DATABASE_URL: '' };
  runJest('SQLite: unit, int, e2e, browser', [], sqliteEnv);
  const reachable = await postgresReachable();
  if (reachable === true) {
    // A path that names only unit tests leaves nothing to run here; that is not a failure.
    const selection = extra.length ? ['--passWithNoTests'] : [];
    runJest('PostgreSQL: int, e2e', [...selection, '--selectProjects', 'int', 'e2e'], { DATABASE_URL: PG_URL });
  } else if (ci) {
    process.stdout.write(`\nPostgreSQL run FAILED: no server at ${PG_URL} (${reachable}); CI requires it.\n`);
    failedRuns += 1;
    totals.failed += 1;
  } else {
    process.stdout.write(
      `\nPostgreSQL run skipped: no server at ${PG_URL} (${reachable}). Set TEST_DATABASE_URL to run it.\n`,
    );
  }
  process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  process.exit(failedRuns > 0 || totals.failed > 0 ? 1 : 0);
})();
