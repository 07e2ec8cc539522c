import { createConnection, createServer, Server, Socket } from 'node:net';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, TestDatabase, usingPostgres } from '../support/database';
import { ANY_CODE, ErrorResponse, expectError } from '../support/envelope';
import { freePort, startServiceProcess } from '../support/service-process';
import { Client } from 'pg';
import { http, startTestApp, TestApp, withoutLogLevel } from '../support/test-app';

jest.setTimeout(120_000);
const run = promisify(execFile);

/**
 * A TCP proxy to PostgreSQL that the test can cut and restore (an outage:
 * connections refused and reset), or partition (connections stay open but no
 * byte gets through, as when a network path silently drops packets).
 */
class Proxy {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  private pairs = new Set<{ client: Socket; upstream: Socket | null }>();
  private partitioned = false;
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private connect(pair: { client: Socket; upstream: Socket | null }): void {
    const upstream = createConnection(this.target);
    this.track(upstream);
    pair.upstream = upstream;
    pair.client.pipe(upstream).pipe(pair.client);
    pair.client.on('close', () => upstream.destroy());
    upstream.on('close', () => pair.client.destroy());
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.track(client);
      const pair = { client, upstream: null as Socket | null };
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
      // During a partition a new connection is accepted and then hears nothing.
      if (this.partitioned) client.pause();
      else this.connect(pair);
    });
    await new Promise<void>((done) => this.server!.listen(this.port, '127.0.0.1', () => done()));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    this.server = null;
  }

  /** Every connection stays open, but no byte moves in either direction. */
  partition(): void {
    this.partitioned = true;
    for (const { client, upstream } of this.pairs) {
      if (!upstream) continue;
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** The path works again: what was held back is delivered, as TCP would retransmit it. */
  heal(): void {
    this.partitioned = false;
    for (const pair of this.pairs) {
      if (!pair.upstream) {
        this.connect(pair);
        pair.client.resume();
        continue;
      }
      pair.client.pipe(pair.upstream).pipe(pair.client);
    }
  }
}

(usingPostgres() ? describe : describe.skip)('PostgreSQL outage (needs DATABASE_URL=postgres://...)', () => {
  let database: TestDatabase;
  let proxy: Proxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const real = new URL(database.url);
    proxy = new Proxy(await freePort(), { host: real.hostname, port: Number(real.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    t = await startTestApp(
      { DATABASE_STATEMENT_TIMEOUT_MS: '2000', DATABASE_QUERY_TIMEOUT_MS: '3000' },
      { databaseUrl: viaProxy.toString() },
    );
  });

  afterAll(async () => {
    await t.app.close();
    await proxy.stop();
    await database.drop();
  });

  it('turns readiness false and answers 503 while the database is away, then recovers', async () => {
    const env = await http(t, 'POST', '/v1/environments', { body: { name: 'before-outage' } });
    expect(env.status).toBe(200);

    await proxy.stop();
    const ready = await http(t, 'GET', '/health/ready', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', database: 'down' });
    const during = await http(t, 'GET', `/v1/environments/${env.body.id}`);
    expect(during.status).toBe(503);
    expect(during.body.error.type).toBe('api_error');
    expect(during.headers.get('retry-after')).toBe('1');
    expect((await http(t, 'GET', '/health/live', { key: null })).status).toBe(200);

    await proxy.start();
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await http(t, 'GET', '/health/ready', { key: null })).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(200);
    expect((await http(t, 'GET', `/v1/environments/${env.body.id}`)).body.name).toBe('before-outage');
    expect((await http(t, 'POST', '/v1/environments', { body: { name: 'after-outage' } })).status).toBe(200);
  });

  it('answers 503 instead of hanging during a network partition (connections open, nothing gets through), then recovers', async () => {
    const env = await http(t, 'POST', '/v1/environments', { body: { name: 'before-partition' } });
    expect(env.status).toBe(200);
    // Several pooled connections exist and sit idle when the partition starts.
    await Promise.all(Array.from({ length: 6 }, () => http(t, 'GET', '/v1/environments?limit=1')));

    proxy.partition();
    // The limits here are generous bounds for "does not hang", not performance checks:
    // readiness gives up after 2 s, a query after DATABASE_QUERY_TIMEOUT_MS (3 s here).
    const patience = () => AbortSignal.timeout(45_000);
    const ready = await http(t, 'GET', '/health/ready', { key: null, signal: patience() });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', database: 'down' });
    const [read, write, list] = await Promise.all([
      http(t, 'GET', `/v1/environments/${env.body.id}`, { signal: patience() }),
      http(t, 'POST', '/v1/environments', { body: { name: 'during-partition' }, signal: patience() }),
      http(t, 'GET', '/v1/environments', { signal: patience() }),
    ]);
    for (const r of [read, write, list]) {
      expect(r.status).toBe(503);
      expect(r.body.error.type).toBe('api_error');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect((await http(t, 'GET', '/health/live', { key: null })).status).toBe(200);

    proxy.heal();
    let recovered = 0;
    for (let i = 0; i < 100 && recovered !== 200; i++) {
      recovered = (await http(t, 'GET', '/health/ready', { key: null, signal: patience() })).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(200);
    // Every pooled connection works again: none is left waiting for an answer that belonged to a timed-out query.
    const after = await Promise.all(Array.from({ length: 12 }, () => http(t, 'GET', `/v1/environments/${env.body.id}`, { signal: patience() })));
    expect(after.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(after.every((r) => r.body.name === 'before-partition')).toBe(true);
    expect((await http(t, 'POST', '/v1/environments', { body: { name: 'after-partition' }, signal: patience() })).status).toBe(200);
  });

  it('closes its connection pool on SIGTERM and exits cleanly', async () => {
    const observer = new Client({ connectionString: database.url, application_name: 'observer' });
    await observer.connect();
    const name = new URL(database.url).pathname.slice(1);
    const connections = async () =>
      Number(
        (
          await observer.query(
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sandbase'",
            [name],
          )
        ).rows[0].n,
      );
    // The in-process service of this file holds connections too: count the new process's on top of them.
    const baseline = await connections();
    const service = await startServiceProcess({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: '4', LOG_LEVEL: 'info' });
    try {
      await fetch(`${service.baseUrl}/health/ready`);
      const open = await connections();
      expect(open).toBeGreaterThan(baseline);
      await service.stop();
      // Nest re-raises the signal once its shutdown hooks have run.
      expect(service.child.exitCode === 0 || service.child.signalCode === 'SIGTERM').toBe(true);
      expect(service.output()).toContain('database connections closed');
      let left = open;
      for (let i = 0; i < 25 && left > baseline; i++) {
        left = await connections();
        if (left > baseline) await new Promise((r) => setTimeout(r, 200));
      }
      expect(left).toBe(baseline);
    } finally {
      await service.kill();
      await observer.end();
    }
  });

  it('refuses to start against a database that is down, in one line that names it without the password', async () => {
    const closed = await freePort();
    const url = `postgres://sandbase:s3cret-password@127.0.0.1:${closed}/sandbase`;
    let failure: { code: number; stderr: string } | null = null;
    try {
      await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        cwd: resolve(__dirname, '../..'),
        // The default log level: the failure must still be the only thing printed.
        env: { ...withoutLogLevel(), DATABASE_URL: url, PORT: String(await freePort()) },
        timeout: 60_000,
      });
    } catch (error) {
      failure = error as { code: number; stderr: string };
    }
    expect(failure).not.toBeNull();
    expect(failure!.code).toBe(1);
    expect(failure!.stderr).toMatch(new RegExp(`sandbase: failed to start: cannot open the database postgres://127\\.0\\.0\\.1:${closed}/sandbase`));
    expect(failure!.stderr).not.toContain('s3cret-password');
    expect(failure!.stderr.trim().split('\n')).toHaveLength(1);
    expect((failure as unknown as { stdout: string }).stdout).toBe('');
  });
});

/**
 * A database that is up but refuses the work (a statement that runs out of
 * time behind a lock, no connection slot left) gives a retryable 503 in the
 * envelope, never a 500, and the refused write changes nothing.
 */
(usingPostgres() ? describe : describe.skip)('PostgreSQL refusing work (needs DATABASE_URL=postgres://...)', () => {
  const role = `sandbase_limited_${Date.now().toString(36)}`;
  let database: TestDatabase;
  let admin: Client;
  let t: TestApp;

  beforeAll(async () => {
    const base = new URL(process.env.DATABASE_URL!);
    admin = new Client({ connectionString: base.toString() });
    await admin.connect();
    // Connection limits do not apply to superusers: the service runs as an ordinary role that owns its database.
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER`);
    database = await createTestDatabase();
    const name = new URL(database.url).pathname.slice(1);
    await admin.query(`ALTER DATABASE ${name} OWNER TO ${role}`);
    const asRole = new URL(database.url);
    asRole.username = role;
    t = await startTestApp(
      { DATABASE_STATEMENT_TIMEOUT_MS: '300', DATABASE_POOL_SIZE: '10' },
      { databaseUrl: asRole.toString() },
    );
  });

  afterAll(async () => {
    await t?.app.close();
    await database?.drop();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  async function names(): Promise<string[]> {
    const list = await http(t, 'GET', '/v1/environments?limit=100');
    expect(list.status).toBe(200);
    return list.body.data.map((environment: { name: string }) => environment.name);
  }

  function expectRetryable503(response: ErrorResponse): void {
    expectError(response, 503, 'api_error', ANY_CODE, { message: /retry the request later/ });
    expect(response.headers.get('retry-after')).toBe('1');
  }

  it('answers 503 when the statement timeout fires behind a lock, and commits nothing', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: { name: 'before-lock' } });
    expect(created.status).toBe(200);
    const holder = new Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE events, environments IN ACCESS EXCLUSIVE MODE');
      expectRetryable503(await http(t, 'GET', '/v1/environments'));
      expectRetryable503(await http(t, 'GET', `/v1/environments/${created.body.id}`));
      expectRetryable503(await http(t, 'POST', '/v1/environments', { body: { name: 'during-lock' } }));
      expectRetryable503(await http(t, 'POST', `/v1/environments/${created.body.id}`, { body: { description: 'x' } }));
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    expect(await names()).toEqual(['before-lock']);
    const after = await http(t, 'GET', `/v1/environments/${created.body.id}`);
    expect(after.body.version).toBe(1);
    expect(after.body.description).toBeNull();
  });

  it('answers 503 when PostgreSQL has no connection slot left, and recovers', async () => {
    await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT 0`);
    let statuses: number[];
    try {
      // More concurrent requests than the pool holds open: the pool must open new connections, which PostgreSQL refuses.
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http(t, 'POST', '/v1/environments', { body: { name: `slot-${i}` } }),
        ),
      );
      statuses = responses.map((response) => response.status);
      for (const response of responses.filter((r) => r.status !== 200)) expectRetryable503(response);
    } finally {
      await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT -1`);
    }
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect(statuses).toContain(503);
    const accepted = statuses.flatMap((status, i) => (status === 200 ? [`slot-${i}`] : []));
    expect((await names()).filter((name) => name.startsWith('slot-')).sort()).toEqual(accepted.sort());
    expect((await http(t, 'POST', '/v1/environments', { body: { name: 'after-limit' } })).status).toBe(200);
  });
});
