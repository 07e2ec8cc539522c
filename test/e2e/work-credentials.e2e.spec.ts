import { registeredRoutes } from '../../src/http/registered-routes';
import { randomBase62, uniqueName } from '../support/fixtures';
import { eventCount, http, HttpResult, startTestApp, TestApp } from '../support/test-app';

/**
 * The credential table of the self-hosted work queue
 * (/work/shared/spec/self-hosted-work.md, "Credentials") as a matrix: every
 * work route against every kind of caller, and the environment-key and work
 * history routes likewise. Each cell gets fresh fixtures (its own self_hosted
 * environment, keys and items), so one cell's success cannot change another's
 * answer. A refused call must answer the error envelope and change nothing:
 * neither the event log, nor the item it names, nor the queue's counts.
 *
 * The environment key and the work secret travel as `Authorization: Bearer`
 * (as the SDK's poller sends them); API keys as `x-api-key`.
 */
jest.setTimeout(600_000);

type Caller =
  | 'environment_key'
  | 'work_secret'
  | 'read'
  | 'write'
  | 'admin'
  | 'other_environment_key'
  | 'other_work_secret'
  | 'other_org_environment_key'
  | 'other_org_api_key'
  | 'revoked_environment_key'
  | 'unknown_environment_key'
  | 'unknown_work_secret'
  | 'none';

const CALLERS: Caller[] = [
  'environment_key',
  'work_secret',
  'read',
  'write',
  'admin',
  'other_environment_key',
  'other_work_secret',
  'other_org_environment_key',
  'other_org_api_key',
  'revoked_environment_key',
  'unknown_environment_key',
  'unknown_work_secret',
  'none',
];

type Scope = 'read' | 'write' | 'admin';
const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };
const isScope = (caller: Caller): caller is Scope => caller === 'read' || caller === 'write' || caller === 'admin';

/** A work item polled (and usually acknowledged) through the environment key, with its work secret. */
interface Claimed {
  id: string;
  token: string;
}

/** What every cell starts from: a self_hosted environment of its own, its key, a revoked key, and another item with its secret. */
interface Cell {
  env: string;
  envKey: string;
  revokedKey: string;
  other: Claimed;
}

interface Prepared {
  method: string;
  path: string;
  body?: unknown;
  /** The work secret a `work_secret` caller presents: of the item the path names, or of an item of this environment. */
  thisSecret: string;
  /** The item whose state a refused call must leave as it was. */
  watch: string | null;
}

interface WorkRoute {
  name: string;
  /** Method and path as the router has them, parameter names blanked (`:`). */
  pattern: string;
  environmentKey: boolean;
  workSecret: boolean;
  apiKey: Scope | null;
  prepare(cell: Cell): Promise<Prepared>;
  /** What a 200 must show (empty when it does). */
  check(body: any, prepared: Prepared, cell: Cell, caller: Caller): string[];
}

interface PlainRoute {
  name: string;
  pattern: string;
  access: Scope;
  /** Names an environment in its path: another organization's key gets 404 there. */
  byId: boolean;
  prepare(cell: Cell): Promise<Prepared>;
  check(body: any, prepared: Prepared, cell: Cell, caller: Caller): string[];
}

interface Outcome {
  route: string;
  caller: Caller;
  status: number;
  expected: number;
  problems: string[];
  body?: unknown;
}

const normalize = (method: string, path: string): string => `${method} ${path.replace(/:[^/]+/g, ':')}`;

/** The `sessions_token` inside a poll answer's `secret` (base64url JSON). */
function sessionsToken(secret: unknown): string {
  if (typeof secret !== 'string') throw new Error(`poll answered secret ${JSON.stringify(secret)}`);
  const decoded = JSON.parse(Buffer.from(secret, 'base64url').toString('utf8'));
  if (typeof decoded.sessions_token !== 'string') throw new Error(`secret holds ${JSON.stringify(decoded)}`);
  return decoded.sessions_token;
}

const bearer = (secret: string) => ({ key: null, headers: { authorization: `Bearer ${secret}` } });

describe('work queue credentials', () => {
  let t: TestApp;
  const keys = {} as Record<Scope, string>;
  let otherOrgApiKey: string;
  let otherEnvironmentKey: string;
  let otherOrgEnvironmentKey: string;

  const as = (key: string) => ({ baseUrl: t.baseUrl, key });
  const work = (env: string) => `/v1/environments/${env}/work`;

  async function must(request: Promise<HttpResult>, what: string): Promise<any> {
    const response = await request;
    if (response.status !== 200) throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async function selfHostedEnvironment(key = keys.admin): Promise<string> {
    const body = { name: uniqueName('work-env'), config: { type: 'self_hosted' } };
    return (await must(http(as(key), 'POST', '/v1/environments', { body }), 'create a self_hosted environment')).id;
  }

  async function environmentKey(env: string, key = keys.admin): Promise<{ id: string; key: string }> {
    const created = await must(http(as(key), 'POST', `/v1/environments/${env}/keys`, { body: { name: uniqueName('worker') } }), 'create an environment key');
    return { id: created.id, key: created.key };
  }

  async function enqueue(env: string): Promise<string> {
    const body = { data: { type: 'session', id: uniqueName('session') } };
    return (await must(http(as(keys.write), 'POST', work(env), { body }), 'enqueue')).id;
  }

  /** Polls with the environment key, expecting exactly the item `id` (the only claimable one). */
  async function claim(env: string, envKey: string, id: string): Promise<Claimed> {
    const polled = await must(http(as(''), 'GET', `${work(env)}/poll`, bearer(envKey)), 'poll');
    if (polled?.id !== id) throw new Error(`poll answered ${JSON.stringify(polled)}, expected item ${id}`);
    return { id, token: sessionsToken(polled.secret) };
  }

  async function acknowledge(env: string, envKey: string, id: string): Promise<void> {
    await must(http(as(''), 'POST', `${work(env)}/${id}/ack`, bearer(envKey)), 'ack');
  }

  /** Enqueued, polled and acknowledged: `starting`, with its work secret. */
  async function started(env: string, envKey: string): Promise<Claimed> {
    const claimed = await claim(env, envKey, await enqueue(env));
    await acknowledge(env, envKey, claimed.id);
    return claimed;
  }

  async function freshCell(): Promise<Cell> {
    const env = await selfHostedEnvironment();
    const envKey = (await environmentKey(env)).key;
    const revoked = await environmentKey(env);
    await must(http(as(keys.write), 'POST', `/v1/environments/${env}/keys/${revoked.id}/revoke`), 'revoke an environment key');
    const other = await started(env, envKey);
    return { env, envKey, revokedKey: revoked.key, other };
  }

  function credential(caller: Caller, cell: Cell, prepared: Prepared): { key: string | null; headers?: Record<string, string> } {
    switch (caller) {
      case 'read':
      case 'write':
      case 'admin':
        return { key: keys[caller] };
      case 'other_org_api_key':
        return { key: otherOrgApiKey };
      case 'environment_key':
        return bearer(cell.envKey);
      case 'work_secret':
        return bearer(prepared.thisSecret);
      case 'other_environment_key':
        return bearer(otherEnvironmentKey);
      case 'other_work_secret':
        return bearer(cell.other.token);
      case 'other_org_environment_key':
        return bearer(otherOrgEnvironmentKey);
      case 'revoked_environment_key':
        return bearer(cell.revokedKey);
      case 'unknown_environment_key':
        return bearer(`sk-sb-env-${randomBase62(40)}`);
      case 'unknown_work_secret':
        return bearer(`sk-sb-work-${randomBase62(40)}`);
      case 'none':
        return { key: null };
      default: {
        const never: never = caller;
        throw new Error(`unknown caller ${never}`);
      }
    }
  }

  /** What a refused call must leave unchanged: the event log, the watched item, the queue's counts. */
  async function snapshot(cell: Cell, prepared: Prepared): Promise<unknown> {
    const stats = await must(http(as(keys.read), 'GET', `${work(cell.env)}/stats`), 'stats');
    const item = prepared.watch ? await must(http(as(keys.read), 'GET', `${work(cell.env)}/${prepared.watch}`), 'retrieve') : null;
    const keyList = await must(http(as(keys.read), 'GET', `/v1/environments/${cell.env}/keys`), 'list environment keys');
    return {
      events: await eventCount(t),
      item,
      stats: { depth: stats.depth, pending: stats.pending, oldest_queued_at: stats.oldest_queued_at },
      keys: keyList.data,
    };
  }

  /** The envelope of a refusal: its status's error type, the request id, the error code where the brief names one. */
  function envelopeProblems(response: HttpResult, status: number): string[] {
    const problems: string[] = [];
    const body = response.body;
    if (body?.type !== 'error') return [`not an error envelope: ${JSON.stringify(body)}`];
    if (body.request_id !== response.headers.get('request-id')) problems.push('request_id differs from the request-id header');
    const want = { 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error' }[status];
    if (body.error?.type !== want) problems.push(`error.type ${body.error?.type}, expected ${want}`);
    if (typeof body.error?.message !== 'string' || !body.error.message.trim()) problems.push('no error.message');
    if (status === 403 && body.error?.details?.error_code !== 'insufficient_scope') {
      problems.push(`details.error_code ${body.error?.details?.error_code}, expected insufficient_scope`);
    }
    if (status === 404 && body.error?.details?.error_code !== 'environment_not_found') {
      problems.push(`details.error_code ${body.error?.details?.error_code}, expected environment_not_found`);
    }
    return problems;
  }

  async function runCell(
    name: string,
    caller: Caller,
    cell: Cell,
    prepared: Prepared,
    expected: number,
    check: (body: any) => string[],
  ): Promise<Outcome> {
    const before = expected === 200 ? null : await snapshot(cell, prepared);
    const response = await http({ baseUrl: t.baseUrl, key: '' }, prepared.method, prepared.path, {
      body: prepared.body,
      ...credential(caller, cell, prepared),
    });
    const problems: string[] = [];
    if (response.status === expected && expected === 200) problems.push(...check(response.body));
    if (expected !== 200) {
      problems.push(...envelopeProblems(response, response.status === expected ? expected : response.status));
      const after = await snapshot(cell, prepared);
      try {
        expect(after).toEqual(before);
      } catch {
        problems.push(`a refused call changed something: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
      }
    }
    const outcome: Outcome = { route: name, caller, status: response.status, expected, problems };
    if (response.status !== expected || problems.length) outcome.body = response.body;
    return outcome;
  }

  beforeAll(async () => {
    t = await startTestApp();
    const org = uniqueName('work-matrix-org');
    for (const scope of ['read', 'write', 'admin'] as const) keys[scope] = (await t.createKey(org, { scope })).key;
    otherOrgApiKey = (await t.createKey(uniqueName('work-matrix-other'), { scope: 'admin' })).key;
    otherEnvironmentKey = (await environmentKey(await selfHostedEnvironment())).key;
    otherOrgEnvironmentKey = (await environmentKey(await selfHostedEnvironment(otherOrgApiKey), otherOrgApiKey)).key;
  });

  afterAll(async () => {
    await t?.close();
  });

  /** The credential table of the spec, one row per work route, with how to make a call that an allowed caller gets a 200 for. */
  const WORK_ROUTES: WorkRoute[] = [
    {
      name: 'poll',
      pattern: 'GET /v1/environments/:/work/poll',
      environmentKey: true,
      workSecret: false,
      apiKey: null,
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        const waiting = await enqueue(cell.env);
        return { method: 'GET', path: `${work(cell.env)}/poll`, thisSecret: item.token, watch: waiting };
      },
      check: (body, prepared) => {
        if (body?.type !== 'work' || body.id !== prepared.watch) return [`poll answered ${JSON.stringify(body)}, expected item ${prepared.watch}`];
        try {
          sessionsToken(body.secret);
          return [];
        } catch (error) {
          return [String(error)];
        }
      },
    },
    {
      name: 'ack',
      pattern: 'POST /v1/environments/:/work/:/ack',
      environmentKey: true,
      workSecret: false,
      apiKey: null,
      prepare: async (cell) => {
        const item = await claim(cell.env, cell.envKey, await enqueue(cell.env));
        return { method: 'POST', path: `${work(cell.env)}/${item.id}/ack`, thisSecret: item.token, watch: item.id };
      },
      check: (body, prepared) =>
        body?.id === prepared.watch && body.state === 'starting' && body.acknowledged_at ? [] : [`ack answered ${JSON.stringify(body)}`],
    },
    {
      name: 'heartbeat',
      pattern: 'POST /v1/environments/:/work/:/heartbeat',
      environmentKey: true,
      workSecret: true,
      apiKey: null,
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return {
          method: 'POST',
          path: `${work(cell.env)}/${item.id}/heartbeat?expected_last_heartbeat=NO_HEARTBEAT&desired_ttl_seconds=120`,
          thisSecret: item.token,
          watch: item.id,
        };
      },
      check: (body) =>
        body?.type === 'work_heartbeat' && body.lease_extended === true && body.state === 'active' && body.ttl_seconds === 120 && body.last_heartbeat
          ? []
          : [`heartbeat answered ${JSON.stringify(body)}`],
    },
    {
      name: 'stop',
      pattern: 'POST /v1/environments/:/work/:/stop',
      environmentKey: true,
      workSecret: true,
      apiKey: 'write',
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'POST', path: `${work(cell.env)}/${item.id}/stop`, body: {}, thisSecret: item.token, watch: item.id };
      },
      // An API key's graceful stop asks the worker to stop; the worker's own stop (environment key or work secret) ends the item.
      check: (body, prepared, _cell, caller) => {
        const ended = caller === 'environment_key' || caller === 'work_secret';
        const ok = body?.id === prepared.watch && (ended ? body.state === 'stopped' && body.stopped_at : body.state === 'stopping' && body.stop_requested_at);
        return ok ? [] : [`stop by ${caller} answered ${JSON.stringify(body)}`];
      },
    },
    {
      name: 'list',
      pattern: 'GET /v1/environments/:/work',
      environmentKey: true,
      workSecret: false,
      apiKey: null,
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'GET', path: work(cell.env), thisSecret: item.token, watch: item.id };
      },
      check: (body, prepared, cell) => {
        const ids = Array.isArray(body?.data) ? body.data.map((w: { id: string }) => w.id) : [];
        if (!ids.includes(prepared.watch) || !ids.includes(cell.other.id)) return [`list answered ${JSON.stringify(body)}`];
        if (body.data.some((w: { secret: unknown }) => w.secret !== null)) return ['list shows a secret'];
        return [];
      },
    },
    {
      name: 'stats',
      pattern: 'GET /v1/environments/:/work/stats',
      environmentKey: false,
      workSecret: false,
      apiKey: 'read',
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'GET', path: `${work(cell.env)}/stats`, thisSecret: item.token, watch: item.id };
      },
      check: (body) =>
        body?.type === 'work_queue_stats' && body.depth === 0 && body.pending === 0 ? [] : [`stats answered ${JSON.stringify(body)}`],
    },
    {
      name: 'retrieve',
      pattern: 'GET /v1/environments/:/work/:',
      environmentKey: false,
      workSecret: false,
      apiKey: 'read',
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'GET', path: `${work(cell.env)}/${item.id}`, thisSecret: item.token, watch: item.id };
      },
      check: (body, prepared) =>
        body?.type === 'work' && body.id === prepared.watch && body.secret === null ? [] : [`retrieve answered ${JSON.stringify(body)}`],
    },
    {
      name: 'update',
      pattern: 'POST /v1/environments/:/work/:',
      environmentKey: false,
      workSecret: false,
      apiKey: 'write',
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'POST', path: `${work(cell.env)}/${item.id}`, body: { metadata: { reviewed: 'yes' } }, thisSecret: item.token, watch: item.id };
      },
      check: (body, prepared) =>
        body?.id === prepared.watch && body.metadata?.reviewed === 'yes' && body.secret === null ? [] : [`update answered ${JSON.stringify(body)}`],
    },
    {
      name: 'enqueue',
      pattern: 'POST /v1/environments/:/work',
      environmentKey: false,
      workSecret: false,
      apiKey: 'write',
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        const body = { data: { type: 'healthcheck', id: uniqueName('check') } };
        return { method: 'POST', path: work(cell.env), body, thisSecret: item.token, watch: item.id };
      },
      check: (body, prepared) =>
        body?.type === 'work' && body.state === 'queued' && body.environment_id && body.data?.type === 'healthcheck' && body.secret === null
          ? []
          : [`enqueue answered ${JSON.stringify(body)} for ${JSON.stringify(prepared.body)}`],
    },
  ];

  /** The environment-key routes and the work history: API keys by scope; an environment key or work secret is the wrong kind. */
  const PLAIN_ROUTES: PlainRoute[] = [
    {
      name: 'create environment key',
      pattern: 'POST /v1/environments/:/keys',
      access: 'write',
      byId: true,
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'POST', path: `/v1/environments/${cell.env}/keys`, body: { name: uniqueName('created') }, thisSecret: item.token, watch: item.id };
      },
      check: (body, _prepared, cell) =>
        body?.type === 'environment_key' &&
        /^envkey_[0-9A-Za-z]{24}$/.test(body.id) &&
        /^sk-sb-env-[0-9A-Za-z]{40}$/.test(body.key) &&
        body.environment_id === cell.env &&
        body.revoked_at === null
          ? []
          : [`create key answered ${JSON.stringify(body)}`],
    },
    {
      name: 'list environment keys',
      pattern: 'GET /v1/environments/:/keys',
      access: 'read',
      byId: true,
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'GET', path: `/v1/environments/${cell.env}/keys`, thisSecret: item.token, watch: item.id };
      },
      check: (body) => {
        if (!Array.isArray(body?.data) || body.data.length !== 2) return [`list keys answered ${JSON.stringify(body)}`];
        if (body.data.some((k: Record<string, unknown>) => 'key' in k)) return ['list keys shows a secret'];
        if (body.data.filter((k: { revoked_at: unknown }) => k.revoked_at !== null).length !== 1) return ['list keys does not show the revoked key as revoked'];
        return [];
      },
    },
    {
      name: 'revoke environment key',
      pattern: 'POST /v1/environments/:/keys/:/revoke',
      access: 'write',
      byId: true,
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        const target = await environmentKey(cell.env);
        return { method: 'POST', path: `/v1/environments/${cell.env}/keys/${target.id}/revoke`, thisSecret: item.token, watch: item.id };
      },
      check: (body, prepared) =>
        body?.type === 'environment_key' && prepared.path.includes(`/keys/${body.id}/`) && body.revoked_at && !('key' in body)
          ? []
          : [`revoke key answered ${JSON.stringify(body)}`],
    },
    {
      name: 'work history',
      pattern: 'GET /v1/work_versions',
      access: 'read',
      byId: false,
      prepare: async (cell) => {
        const item = await started(cell.env, cell.envKey);
        return { method: 'GET', path: '/v1/work_versions?limit=100', thisSecret: item.token, watch: item.id };
      },
      check: (body, prepared, cell, caller) => {
        if (!Array.isArray(body?.data)) return [`work history answered ${JSON.stringify(body)}`];
        const mine = body.data.filter((v: { environment_id: string }) => v.environment_id === cell.env);
        if (caller === 'other_org_api_key') return mine.length ? ['another organization sees this environment\'s work history'] : [];
        if (!mine.some((v: { work_id: string; operation: string }) => v.work_id === prepared.watch && v.operation === 'acknowledged')) {
          return [`work history lacks the acknowledgement of ${prepared.watch}`];
        }
        if (mine.some((v: { work: { secret: unknown } }) => v.work?.secret !== null)) return ['work history shows a secret'];
        return [];
      },
    },
  ];

  function expectedForWork(route: WorkRoute, caller: Caller): number {
    switch (caller) {
      case 'none':
      case 'revoked_environment_key':
      case 'unknown_environment_key':
      case 'unknown_work_secret':
        return 401;
      case 'environment_key':
        return route.environmentKey ? 200 : 403;
      case 'work_secret':
        return route.workSecret ? 200 : 403;
      case 'other_environment_key':
      case 'other_work_secret':
      case 'other_org_environment_key':
        return 403;
      case 'other_org_api_key':
        // An API key is the wrong kind on the worker's routes; where API keys are taken, another organization's environment is not found.
        return route.apiKey ? 404 : 403;
      default:
        return route.apiKey && RANK[caller] >= RANK[route.apiKey] ? 200 : 403;
    }
  }

  function expectedForPlain(route: PlainRoute, caller: Caller): number {
    if (caller === 'none' || caller === 'revoked_environment_key' || caller === 'unknown_environment_key' || caller === 'unknown_work_secret') return 401;
    if (caller === 'other_org_api_key') return route.byId ? 404 : 200;
    if (isScope(caller)) return RANK[caller] >= RANK[route.access] ? 200 : 403;
    return 403; // an environment key (of any environment) or a work secret: valid, but not an API key
  }

  it('has a row for every work, environment-key and work-history route the router serves', () => {
    const served = registeredRoutes(t.app.getHttpAdapter().getInstance())
      .filter((r) => /^\/v1\/environments\/:[^/]+\/(work|keys)(\/|$)/.test(r.path) || r.path.startsWith('/v1/work_versions'))
      .map((r) => normalize(r.method, r.path));
    const covered = [...WORK_ROUTES, ...PLAIN_ROUTES].map((r) => r.pattern);
    expect([...new Set(served)].sort()).toEqual([...covered].sort());
  });

  it('answers every work route for every caller as the credential table says, and a refused call changes nothing', async () => {
    const outcomes: Outcome[] = [];
    for (const route of WORK_ROUTES) {
      for (const caller of CALLERS) {
        const cell = await freshCell();
        const prepared = await route.prepare(cell);
        outcomes.push(await runCell(route.name, caller, cell, prepared, expectedForWork(route, caller), (body) => route.check(body, prepared, cell, caller)));
      }
    }
    expect(outcomes).toHaveLength(WORK_ROUTES.length * CALLERS.length);
    expect(new Set(outcomes.map((o) => o.expected))).toEqual(new Set([200, 401, 403, 404]));
    expect(outcomes.filter((o) => o.status !== o.expected || o.problems.length)).toEqual([]);
  });

  it('answers the environment-key and work-history routes by API-key scope, refusing environment keys and work secrets with 403', async () => {
    const outcomes: Outcome[] = [];
    for (const route of PLAIN_ROUTES) {
      for (const caller of CALLERS) {
        const cell = await freshCell();
        const prepared = await route.prepare(cell);
        outcomes.push(await runCell(route.name, caller, cell, prepared, expectedForPlain(route, caller), (body) => route.check(body, prepared, cell, caller)));
      }
    }
    expect(outcomes).toHaveLength(PLAIN_ROUTES.length * CALLERS.length);
    expect(outcomes.filter((o) => o.status !== o.expected || o.problems.length)).toEqual([]);
  });

  it('takes a work secret only while its item lives: a reclaim replaces it, a stop ends it (401 afterwards)', async () => {
    const cell = await freshCell();
    const id = await enqueue(cell.env);
    const first = await claim(cell.env, cell.envKey, id);
    // Not acknowledged: claimable again once older than reclaim_older_than_ms.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reclaimed = await must(http(as(''), 'GET', `${work(cell.env)}/poll?reclaim_older_than_ms=1`, bearer(cell.envKey)), 'reclaim');
    expect(reclaimed?.id).toBe(id);
    const second = sessionsToken(reclaimed.secret);
    expect(second).not.toBe(first.token);
    await acknowledge(cell.env, cell.envKey, id);

    const beat = `${work(cell.env)}/${id}/heartbeat?expected_last_heartbeat=NO_HEARTBEAT`;
    const before = await eventCount(t);
    const stale = await http(as(''), 'POST', beat, bearer(first.token));
    expect({ status: stale.status, type: stale.body?.error?.type }).toEqual({ status: 401, type: 'authentication_error' });
    expect(await eventCount(t)).toBe(before);
    const fresh = await http(as(''), 'POST', beat, bearer(second));
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ type: 'work_heartbeat', lease_extended: true, state: 'active' });

    const stopped = await http(as(''), 'POST', `${work(cell.env)}/${id}/stop`, { body: { force: true }, ...bearer(second) });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ id, state: 'stopped' });
    const afterStop = await eventCount(t);
    for (const path of [`${work(cell.env)}/${id}/heartbeat?expected_last_heartbeat=${encodeURIComponent(fresh.body.last_heartbeat)}`, `${work(cell.env)}/${id}/stop`]) {
      const refused = await http(as(''), 'POST', path, { body: {}, ...bearer(second) });
      expect({ path, status: refused.status, type: refused.body?.error?.type }).toEqual({ path, status: 401, type: 'authentication_error' });
    }
    expect(await eventCount(t)).toBe(afterStop);
    // The environment key still reaches the stopped item: stopping it again is the item's own 409.
    const again = await http(as(''), 'POST', `${work(cell.env)}/${id}/stop`, { body: {}, ...bearer(cell.envKey) });
    expect(again.status).toBe(409);
    expect(again.body.error.details.error_code).toBe('work_stopped');
  });

  it.each(['archive', 'delete'] as const)('revokes the environment keys when the environment is %sd: the key is refused with 401', async (how) => {
    const cell = await freshCell();
    const poll = `${work(cell.env)}/poll`;
    expect((await http(as(''), 'GET', poll, bearer(cell.envKey))).status).toBe(200);
    const listed = await must(http(as(keys.read), 'GET', `/v1/environments/${cell.env}/keys`), 'list keys');
    expect(listed.data.filter((k: { revoked_at: unknown }) => k.revoked_at === null)).toHaveLength(1);

    const done =
      how === 'archive'
        ? await http(as(keys.write), 'POST', `/v1/environments/${cell.env}/archive`)
        : await http(as(keys.write), 'DELETE', `/v1/environments/${cell.env}`);
    expect(done.status).toBe(200);
    const refused = await http(as(''), 'GET', poll, bearer(cell.envKey));
    expect({ status: refused.status, type: refused.body?.error?.type }).toEqual({ status: 401, type: 'authentication_error' });
    if (how === 'archive') {
      const after = await must(http(as(keys.read), 'GET', `/v1/environments/${cell.env}/keys`), 'list keys');
      expect(after.data.length).toBe(2);
      for (const key of after.data) expect(key.revoked_at).toEqual(expect.any(String));
    }
  });
});
