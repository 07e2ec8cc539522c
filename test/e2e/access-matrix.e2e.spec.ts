import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RouteAccessRegistry } from '../../src/auth/route-access';
import { consoleDirectory } from '../../src/console/console-files';
import { registeredRoutes } from '../../src/http/registered-routes';
import { uniqueName } from '../support/fixtures';
import { eventCount, http, HttpResult, startTestApp, TestApp } from '../support/test-app';

/**
 * Every route the router serves, against every kind of caller: each scope, a
 * revoked key, an expired key and another organization's admin key. A route
 * without a fixture here fails the test, so a new route cannot go untested.
 */
type Caller = 'read' | 'write' | 'admin' | 'revoked' | 'expired' | 'other_org' | 'none';
const CALLERS: Caller[] = ['read', 'write', 'admin', 'revoked', 'expired', 'other_org', 'none'];

interface Prepared {
  path: string;
  body?: unknown;
}

describe('access matrix', () => {
  let t: TestApp;
  const keys = {} as Record<Exclude<Caller, 'none'>, string>;
  let admin: { baseUrl: string; key: string };

  beforeAll(async () => {
    t = await startTestApp();
    const org = uniqueName('matrix-org');
    for (const scope of ['read', 'write', 'admin'] as const) keys[scope] = (await t.createKey(org, { scope })).key;
    const revoked = await t.createKey(org, { scope: 'admin' });
    const response = await http({ baseUrl: t.baseUrl, key: keys.admin }, 'POST', `/v1/api_keys/${revoked.id}/revoke`);
    expect(response.status).toBe(200);
    keys.revoked = revoked.key;
    keys.expired = (await t.createKey(org, { scope: 'admin', expiresAt: new Date(Date.now() + 1500).toISOString() })).key;
    keys.other_org = (await t.createKey(uniqueName('matrix-other'), { scope: 'admin' })).key;
    admin = { baseUrl: t.baseUrl, key: keys.admin };
    await new Promise((resolve) => setTimeout(resolve, 1600));
  });

  afterAll(async () => {
    await t?.close();
  });

  const freshEnvironment = async () => {
    const response = await http(admin, 'POST', '/v1/environments', { body: { name: uniqueName('matrix-env') } });
    expect(response.status).toBe(200);
    return response.body.id as string;
  };
  const freshSelfHosted = async () => {
    const response = await http(admin, 'POST', '/v1/environments', { body: { name: uniqueName('matrix-self-hosted'), config: { type: 'self_hosted' } } });
    expect(response.status).toBe(200);
    return response.body.id as string;
  };
  const freshWork = async () => {
    const environment = await freshSelfHosted();
    const response = await http(admin, 'POST', `/v1/environments/${environment}/work`, { body: { data: { type: 'session', id: 'session_matrix' } } });
    expect(response.status).toBe(200);
    return `/v1/environments/${environment}/work/${response.body.id}`;
  };
  const freshEnvironmentKey = async () => {
    const environment = await freshSelfHosted();
    const response = await http(admin, 'POST', `/v1/environments/${environment}/keys`, { body: { name: 'matrix' } });
    expect(response.status).toBe(200);
    return `/v1/environments/${environment}/keys/${response.body.id}`;
  };
  const freshKey = async () => {
    const response = await http(admin, 'POST', '/v1/api_keys', { body: { name: uniqueName('matrix-key'), scope: 'read' } });
    expect(response.status).toBe(200);
    return response.body.id as string;
  };

  /** A new audit sink; the organization's earlier ones are deleted first (it may have at most 10). */
  const freshSink = async () => {
    await noSinks();
    const response = await http(admin, 'POST', '/v1/audit_sinks', { body: { type: 'webhook', url: 'http://127.0.0.1:9/matrix' } });
    expect(response.status).toBe(200);
    return `/v1/audit_sinks/${response.body.id}`;
  };
  const noSinks = async () => {
    for (const sink of (await http(admin, 'GET', '/v1/audit_sinks')).body.data) await http(admin, 'DELETE', `/v1/audit_sinks/${sink.id}`);
  };

  /** How to make a request to each route that would succeed for a caller allowed to make it. */
  const FIXTURES: Record<string, () => Promise<Prepared>> = {
    'GET /health/live': async () => ({ path: '/health/live' }),
    'GET /health/ready': async () => ({ path: '/health/ready' }),
    'GET /openapi.json': async () => ({ path: '/openapi.json' }),
    'GET /docs': async () => ({ path: '/docs' }),
    'GET /docs/:asset': async () => ({ path: '/docs/docs.js' }),
    // The console's files come from the build (npm test builds first).
    'GET /console': async () => ({ path: '/console' }),
    'GET /console/*': async () => ({ path: '/console/environments' }),
    'GET /console/assets/:file': async () => ({ path: `/console/assets/${readdirSync(join(consoleDirectory(), 'assets'))[0]}` }),
    'POST /v1/environments': async () => ({ path: '/v1/environments', body: { name: uniqueName('matrix-new') } }),
    'GET /v1/environments': async () => ({ path: '/v1/environments' }),
    'GET /v1/environments/:id': async () => ({ path: `/v1/environments/${await freshEnvironment()}` }),
    'POST /v1/environments/:id': async () => ({ path: `/v1/environments/${await freshEnvironment()}`, body: { description: 'changed' } }),
    'POST /v1/environments/:id/archive': async () => ({ path: `/v1/environments/${await freshEnvironment()}/archive` }),
    'DELETE /v1/environments/:id': async () => ({ path: `/v1/environments/${await freshEnvironment()}` }),
    'GET /v1/environments/:id/versions': async () => ({ path: `/v1/environments/${await freshEnvironment()}/versions` }),
    'GET /v1/environment_versions': async () => ({ path: '/v1/environment_versions' }),
    'GET /v1/environment_versions/verify': async () => ({ path: '/v1/environment_versions/verify' }),
    'GET /v1/api_keys': async () => ({ path: '/v1/api_keys' }),
    'POST /v1/api_keys': async () => ({ path: '/v1/api_keys', body: { name: uniqueName('matrix-created'), scope: 'read' } }),
    'GET /v1/api_keys/:id': async () => ({ path: `/v1/api_keys/${await freshKey()}` }),
    'POST /v1/api_keys/:id/revoke': async () => ({ path: `/v1/api_keys/${await freshKey()}/revoke` }),
    'POST /v1/api_keys/:id/rotate': async () => ({ path: `/v1/api_keys/${await freshKey()}/rotate`, body: { grace_seconds: 60 } }),
    'GET /v1/api_key_versions': async () => ({ path: '/v1/api_key_versions' }),
    'GET /v1/organization_versions': async () => ({ path: '/v1/organization_versions' }),
    // The work queue: routes that take only workers' credentials refuse every API key (work-credentials.e2e covers the workers).
    'POST /v1/environments/:environment_id/work': async () => ({ path: `/v1/environments/${await freshSelfHosted()}/work`, body: { data: { type: 'healthcheck', id: 'hc_1' } } }),
    'GET /v1/environments/:environment_id/work': async () => ({ path: `/v1/environments/${await freshSelfHosted()}/work` }),
    'GET /v1/environments/:environment_id/work/poll': async () => ({ path: `/v1/environments/${await freshSelfHosted()}/work/poll` }),
    'GET /v1/environments/:environment_id/work/stats': async () => ({ path: `/v1/environments/${await freshSelfHosted()}/work/stats` }),
    'GET /v1/environments/:environment_id/work/:work_id': async () => ({ path: await freshWork() }),
    'POST /v1/environments/:environment_id/work/:work_id': async () => ({ path: await freshWork(), body: { metadata: { k: 'v' } } }),
    'POST /v1/environments/:environment_id/work/:work_id/ack': async () => ({ path: `${await freshWork()}/ack` }),
    'POST /v1/environments/:environment_id/work/:work_id/heartbeat': async () => ({ path: `${await freshWork()}/heartbeat` }),
    'POST /v1/environments/:environment_id/work/:work_id/stop': async () => ({ path: `${await freshWork()}/stop`, body: {} }),
    'POST /v1/environments/:environment_id/keys': async () => ({ path: `/v1/environments/${await freshSelfHosted()}/keys`, body: { name: 'k' } }),
    'GET /v1/environments/:environment_id/keys': async () => ({ path: `/v1/environments/${await freshSelfHosted()}/keys` }),
    'POST /v1/environments/:environment_id/keys/:key_id/revoke': async () => ({ path: `${await freshEnvironmentKey()}/revoke` }),
    'GET /v1/work_versions': async () => ({ path: '/v1/work_versions' }),
    'POST /v1/audit_sinks': async () => (await noSinks(), { path: '/v1/audit_sinks', body: { type: 'webhook', url: 'http://127.0.0.1:9/matrix' } }),
    'GET /v1/audit_sinks': async () => ({ path: '/v1/audit_sinks' }),
    'GET /v1/audit_sinks/:id': async () => ({ path: await freshSink() }),
    'DELETE /v1/audit_sinks/:id': async () => ({ path: await freshSink() }),
    'POST /v1/audit_sinks/:id/resume': async () => ({ path: `${await freshSink()}/resume` }),
    'POST /v1/audit_sinks/:id/replay': async () => ({ path: `${await freshSink()}/replay`, body: { from: '2026-01-01T00:00:00Z' } }),
  };


  function routes() {
    const served = registeredRoutes(t.app.getHttpAdapter().getInstance());
    const declared = new Map(t.app.get(RouteAccessRegistry).routes().map((r) => [`${r.method} ${r.path}`, r.access]));
    const apiKeys = new Map(t.app.get(RouteAccessRegistry).routes().map((r) => [`${r.method} ${r.path}`, r.credentials.apiKey]));
    return served.map((route) => ({
      name: `${route.method} ${route.path}`,
      method: route.method,
      path: route.path,
      access: declared.get(`${route.method} ${route.path}`),
      apiKeys: apiKeys.get(`${route.method} ${route.path}`) ?? true,
    }));
  }

  it('serves only routes that declare their access, and has a fixture for each', () => {
    const all = routes();
    expect(all.length).toBeGreaterThanOrEqual(Object.keys(FIXTURES).length);
    for (const route of all) {
      expect({ route: route.name, access: route.access }).toEqual({ route: route.name, access: expect.stringMatching(/^(public|read|write|admin)$/) });
      expect({ route: route.name, fixture: route.name in FIXTURES }).toEqual({ route: route.name, fixture: true });
    }
  });

  function expected(access: string, caller: Caller, path: string, apiKeys: boolean): number {
    if (access === 'public') return 200;
    if (caller === 'none' || caller === 'revoked' || caller === 'expired') return 401;
    if (!apiKeys) return 403;
    if (caller === 'other_org') return /:(id|environment_id)\b/.test(path) ? 404 : 200;
    const rank = { read: 1, write: 2, admin: 3 } as const;
    return rank[caller] >= rank[access as keyof typeof rank] ? 200 : 403;
  }

  it('answers every route for every caller as its declaration says, and a refused call changes nothing', async () => {
    const outcomes: { route: string; caller: Caller; status: number; expected: number }[] = [];
    for (const route of routes()) {
      for (const caller of CALLERS) {
        const prepared = await FIXTURES[route.name]();
        const before = await eventCount(t);
        const response: HttpResult = await http({ baseUrl: t.baseUrl, key: caller === 'none' ? '' : keys[caller] }, route.method, prepared.path, {
          body: prepared.body,
          key: caller === 'none' ? null : keys[caller],
        });
        const want = expected(route.access!, caller, route.path, route.apiKeys);
        outcomes.push({ route: route.name, caller, status: response.status, expected: want });
        if (want >= 400) {
          expect(await eventCount(t)).toBe(before);
          expect(response.body.type).toBe('error');
          if (want === 403) expect(response.body.error).toMatchObject({ type: 'permission_error', details: { error_code: 'insufficient_scope' } });
        }
      }
    }
    expect(outcomes).toHaveLength(routes().length * CALLERS.length);
    expect(new Set(outcomes.map((o) => o.expected))).toEqual(new Set([200, 401, 403, 404]));
    expect(outcomes.filter((o) => o.status !== o.expected)).toEqual([]);
  });
});
