import Anthropic, { AuthenticationError, BadRequestError, ConflictError, NotFoundError, PermissionDeniedError } from '@anthropic-ai/sdk';
import type { BetaEnvironment } from '@anthropic-ai/sdk/resources/beta/environments/environments';
import { BetaHeartbeatPreconditionFailedError, type BetaSelfHostedWork } from '@anthropic-ai/sdk/resources/beta/environments/work';
import { expectBadRequest, expectError, expectNotFound } from '../support/envelope';
import { expectTimestamp, randomEnvironmentId, uniqueName } from '../support/fixtures';
import { listOrder } from '../support/ordering';
import { eventCount, http, HttpResult, TestApp, withTestApp } from '../support/test-app';

/**
 * The work queue of a self-hosted environment driven call by call through the
 * official SDK (`client.beta.environments.work`): the environment key for the
 * worker's calls, the work secret for heartbeat and stop, an API key for the
 * rest; enqueue (a Sandbase extension) over plain HTTP.
 */
// Lease expiry waits out a 10-second lease; everything else is quick.
jest.setTimeout(120_000);

/** The keys of a work item, sorted. */
const WORK_KEYS = [
  'acknowledged_at', 'created_at', 'data', 'environment_id', 'id', 'latest_heartbeat_at', 'metadata', 'secret', 'started_at', 'state',
  'stop_requested_at', 'stopped_at', 'type',
];
const WORK_ID = /^work_[0-9A-Za-z]+$/;

/** What `promise` was rejected with (fails if it was not). */
async function failure(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    (value) => {
      throw new Error(`expected the call to fail, but it answered ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** The sessions token inside a polled item's `secret` (base64url JSON). */
function sessionsToken(work: BetaSelfHostedWork | null): string {
  expect(typeof work?.secret).toBe('string');
  const payload = JSON.parse(Buffer.from(work!.secret!, 'base64url').toString('utf8'));
  expect(payload).toMatchObject({ sessions_token: expect.stringMatching(/^sk-sb-work-/) });
  return payload.sessions_token;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Probes until `done` holds or the deadline passes (then fails naming `what` and the last value). */
async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, deadlineMs = 45_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${deadlineMs} ms`);
    await sleep(200);
  }
}

describe('the work queue through the official SDK', () => {
  let t: TestApp;
  // A fast lease sweep, so that an expired lease is seen soon after it runs out.
  withTestApp((app) => (t = app), { SANDBASE_WORK_SWEEP_INTERVAL_MS: '200' });

  interface Queue {
    env: BetaEnvironment;
    organization: string;
    /** API key client (organization of its own). */
    admin: Anthropic;
    caller: { baseUrl: string; key: string };
    apiKeyId: string;
    environmentKey: string;
    environmentKeyId: string;
    /** Client holding the environment key as its bearer token. */
    worker: Anthropic;
    enqueue(body?: Record<string, unknown>): Promise<BetaSelfHostedWork>;
    /** A raw request with `token` as the bearer credential. */
    bearer(token: string, method: string, path: string, body?: unknown): Promise<HttpResult>;
    history(workId: string): Promise<any[]>;
  }

  const as = (token: string, options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) =>
    new Anthropic({ authToken: token, apiKey: null, baseURL: t.baseUrl, maxRetries: 0, ...options });

  /** A self-hosted environment of a fresh organization, with an environment key. */
  async function selfHosted(): Promise<Queue> {
    const organization = uniqueName('work-org');
    const apiKey = await t.createKey(organization);
    const caller = { baseUrl: t.baseUrl, key: apiKey.key };
    const admin = new Anthropic({ apiKey: apiKey.key, baseURL: t.baseUrl, maxRetries: 0 });
    const env = await admin.beta.environments.create({ name: uniqueName('self-hosted'), config: { type: 'self_hosted' } });
    const created = await http(caller, 'POST', `/v1/environments/${env.id}/keys`, { body: { name: 'worker' } });
    expect(created.status).toBe(200);
    const environmentKey: string = created.body.key;
    return {
      env,
      organization,
      admin,
      caller,
      apiKeyId: apiKey.id,
      environmentKey,
      environmentKeyId: created.body.id,
      worker: as(environmentKey),
      enqueue: async (body = {}) => {
        const r = await http(caller, 'POST', `/v1/environments/${env.id}/work`, {
          body: { data: { type: 'session', id: uniqueName('session') }, ...body },
        });
        expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: expect.anything() });
        return r.body;
      },
      bearer: (token, method, path, body) => http(t, method, path, { key: null, headers: { authorization: `Bearer ${token}` }, body }),
      history: async (workId) => {
        const r = await http(caller, 'GET', `/v1/work_versions?work_id=${workId}&limit=100`);
        expect(r.status).toBe(200);
        return r.body.data;
      },
    };
  }

  /** Enqueues an item, claims it with the environment key and acknowledges it. */
  async function acknowledged(q: Queue): Promise<{ item: BetaSelfHostedWork; token: string }> {
    const item = await q.enqueue();
    const polled = await q.worker.beta.environments.work.poll(q.env.id);
    expect(polled?.id).toBe(item.id);
    const token = sessionsToken(polled);
    const acked = await q.worker.beta.environments.work.ack(item.id, { environment_id: q.env.id });
    expect(acked.state).toBe('starting');
    return { item: acked, token };
  }

  describe('enqueue', () => {
    it('queues an item of type session or healthcheck, with metadata', async () => {
      const q = await selfHosted();
      const session = await q.enqueue({ metadata: { ticket: 'T-1' } });
      expect(Object.keys(session).sort()).toEqual(WORK_KEYS);
      expect(session).toMatchObject({
        type: 'work',
        id: expect.stringMatching(WORK_ID),
        environment_id: q.env.id,
        state: 'queued',
        data: { type: 'session', id: expect.any(String) },
        metadata: { ticket: 'T-1' },
        secret: null,
        acknowledged_at: null,
        started_at: null,
        latest_heartbeat_at: null,
        stop_requested_at: null,
        stopped_at: null,
      });
      expectTimestamp(session.created_at);
      const healthcheck = await q.enqueue({ data: { type: 'healthcheck', id: 'hc-1' } });
      expect(healthcheck).toMatchObject({ state: 'queued', data: { type: 'healthcheck', id: 'hc-1' }, metadata: {} });
      expect(await q.admin.beta.environments.work.retrieve(session.id, { environment_id: q.env.id })).toEqual(session);
      const history = await q.history(session.id);
      expect(history).toEqual([
        expect.objectContaining({
          type: 'work_version',
          work_id: session.id,
          environment_id: q.env.id,
          version: 1,
          operation: 'enqueued',
          created_by: { type: 'api_actor', api_key_id: q.apiKeyId, ip_address: '127.0.0.1', user_agent: expect.any(String) },
          request_id: expect.stringMatching(/^req_/),
          work: { ...session, secret: null },
        }),
      ]);
    });

    it('refuses a cloud environment, an archived one, an unknown one and bad bodies, recording nothing', async () => {
      const q = await selfHosted();
      const cloud = await q.admin.beta.environments.create({ name: uniqueName('cloud') });
      const archived = await q.admin.beta.environments.create({ name: uniqueName('gone'), config: { type: 'self_hosted' } });
      await q.admin.beta.environments.archive(archived.id);
      const stranger = { baseUrl: t.baseUrl, key: (await t.createKey(uniqueName('stranger-org'))).key };
      const before = await eventCount(t);
      const enqueueOn = (id: string, body: unknown = { data: { type: 'session', id: 'session_1' } }) =>
        http(q.caller, 'POST', `/v1/environments/${id}/work`, { body });

      expectBadRequest(await enqueueOn(cloud.id), 'environment_not_self_hosted');
      expectBadRequest(await enqueueOn(archived.id), 'environment_archived');
      expectNotFound(await enqueueOn(randomEnvironmentId()), 'environment_not_found');
      // Another organization's environment does not exist for this key.
      expectNotFound(await http(stranger, 'POST', `/v1/environments/${q.env.id}/work`, { body: { data: { type: 'session', id: 's' } } }), 'environment_not_found');

      const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`key${i}`, 'v']));
      expectBadRequest(await enqueueOn(q.env.id, { data: { type: 'session', id: 's' }, metadata: seventeen }), 'invalid_metadata');
      for (const body of [
        {},
        { data: null },
        { data: { type: 'session' } },
        { data: { type: 'session', id: '' } },
        { data: { type: 'session', id: 'x'.repeat(129) } },
        { data: { type: 'batch', id: 'b1' } },
        { data: { type: 'session', id: 7 } },
      ]) {
        const r = await enqueueOn(q.env.id, body);
        expectError(r, 400, 'invalid_request_error', undefined, { what: JSON.stringify(body) });
      }
      expect(await eventCount(t)).toBe(before);
      expect(await q.admin.beta.environments.work.stats(q.env.id)).toMatchObject({ depth: 0 });
    });

    it('an environment key may not enqueue (403 insufficient_scope)', async () => {
      const q = await selfHosted();
      const r = await q.bearer(q.environmentKey, 'POST', `/v1/environments/${q.env.id}/work`, { data: { type: 'session', id: 's' } });
      expectError(r, 403, 'permission_error', 'insufficient_scope');
    });
  });

  describe('poll', () => {
    it('answers null on an empty queue, at once and after blocking', async () => {
      const q = await selfHosted();
      expect(await q.worker.beta.environments.work.poll(q.env.id)).toBeNull();
      expect(await q.worker.beta.environments.work.poll(q.env.id, { block_ms: 300 })).toBeNull();
      const raw = await q.bearer(q.environmentKey, 'GET', `/v1/environments/${q.env.id}/work/poll?block_ms=1`);
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
      expect(raw.body).toBeNull();
    });

    it('returns the oldest claimable item with a secret; a claimed item is not handed out again', async () => {
      const q = await selfHosted();
      const first = await q.enqueue();
      const second = await q.enqueue();
      const polled = await q.worker.beta.environments.work.poll(q.env.id, { 'Anthropic-Worker-ID': 'worker-a' });
      expect(polled).not.toBeNull();
      expect(Object.keys(polled!).sort()).toEqual(WORK_KEYS);
      expect(polled).toEqual({ ...first, secret: expect.any(String) });
      const token = sessionsToken(polled);

      const next = await q.worker.beta.environments.work.poll(q.env.id, { 'Anthropic-Worker-ID': 'worker-b' });
      expect(next?.id).toBe(second.id);
      expect(sessionsToken(next)).not.toBe(token);
      expect(await q.worker.beta.environments.work.poll(q.env.id)).toBeNull();

      // The secret is shown by the poll only.
      expect((await q.admin.beta.environments.work.retrieve(first.id, { environment_id: q.env.id })).secret).toBeNull();
      const listed = await q.worker.beta.environments.work.list(q.env.id);
      expect(listed.data.map((w) => w.secret)).toEqual([null, null]);
      expect(JSON.stringify(await q.history(first.id))).not.toContain(polled!.secret!);
      expect(JSON.stringify(await q.history(first.id))).not.toContain(token);
      expect((await q.history(first.id)).map((v) => [v.operation, v.created_by])).toEqual([
        ['claimed', { type: 'environment_key_actor', environment_key_id: q.environmentKeyId, ip_address: '127.0.0.1', user_agent: expect.any(String) }],
        ['enqueued', expect.objectContaining({ type: 'api_actor' })],
      ]);
    });

    it('a long poll wakes with an item enqueued while it blocks', async () => {
      const q = await selfHosted();
      let woken: BetaSelfHostedWork | null = null;
      for (let attempt = 0; attempt < 3 && woken === null; attempt++) {
        let answered = false;
        const polling = q.worker.beta.environments.work.poll(q.env.id, { block_ms: 999 }).finally(() => {
          answered = true;
        });
        await sleep(150);
        // On a machine too slow to start the poll and enqueue within the block, try again.
        if (answered) {
          expect(await polling).toBeNull();
          continue;
        }
        const item = await q.enqueue();
        woken = await polling;
        if (woken === null) {
          // The block ran out before the enqueue committed: the item waits for the next poll.
          expect((await q.worker.beta.environments.work.poll(q.env.id))?.id).toBe(item.id);
          await q.worker.beta.environments.work.stop(item.id, { environment_id: q.env.id, force: true });
          continue;
        }
        expect(woken.id).toBe(item.id);
        sessionsToken(woken);
      }
      expect(woken).not.toBeNull();
    });

    it('refuses block_ms outside 1..999 and reclaim_older_than_ms below 1, and every credential but the environment key', async () => {
      const q = await selfHosted();
      const poll = `/v1/environments/${q.env.id}/work/poll`;
      for (const query of ['block_ms=0', 'block_ms=1000', 'block_ms=abc', 'block_ms=1.5', 'reclaim_older_than_ms=0', 'reclaim_older_than_ms=-5']) {
        expectError(await q.bearer(q.environmentKey, 'GET', `${poll}?${query}`), 400, 'invalid_request_error', undefined, { what: query });
      }
      expectError(await http(q.caller, 'GET', poll), 403, 'permission_error', 'insufficient_scope');
      expectError(await q.bearer('sk-sb-env-' + 'x'.repeat(40), 'GET', poll), 401, 'authentication_error');
      expectError(await http(t, 'GET', poll, { key: null }), 401, 'authentication_error');
      const other = await selfHosted();
      expectError(await q.bearer(other.environmentKey, 'GET', poll), 403, 'permission_error', 'insufficient_scope');
      await expect(q.admin.beta.environments.work.poll(q.env.id)).rejects.toBeInstanceOf(PermissionDeniedError);
    });
  });

  describe('ack', () => {
    it('moves a claimed item to starting; a second ack answers the same item; acking a stopped item is 409', async () => {
      const q = await selfHosted();
      const item = await q.enqueue();
      const polled = await q.worker.beta.environments.work.poll(q.env.id);
      expect(polled?.id).toBe(item.id);
      const acked = await q.worker.beta.environments.work.ack(item.id, { environment_id: q.env.id });
      expect(acked).toMatchObject({ id: item.id, state: 'starting', secret: null, started_at: null });
      expectTimestamp(acked.acknowledged_at);
      expect(await q.worker.beta.environments.work.ack(item.id, { environment_id: q.env.id })).toEqual(acked);
      expect(await q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id })).toEqual(acked);
      expect((await q.history(item.id)).map((v) => v.operation)).toEqual(['acknowledged', 'claimed', 'enqueued']);

      await q.worker.beta.environments.work.stop(item.id, { environment_id: q.env.id, force: true });
      const error = await failure(q.worker.beta.environments.work.ack(item.id, { environment_id: q.env.id }));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ status: 409, errorCode: 'work_stopped' });
    });

    it('an unknown work item is 404 work_not_found, for every call', async () => {
      const q = await selfHosted();
      const missing = 'work_000000000000000000000000';
      for (const call of [
        () => q.worker.beta.environments.work.ack(missing, { environment_id: q.env.id }),
        () => q.worker.beta.environments.work.heartbeat(missing, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' }),
        () => q.worker.beta.environments.work.stop(missing, { environment_id: q.env.id }),
        () => q.admin.beta.environments.work.retrieve(missing, { environment_id: q.env.id }),
        () => q.admin.beta.environments.work.update(missing, { environment_id: q.env.id, metadata: { a: 'b' } }),
      ]) {
        const error = await failure(call());
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ status: 404, errorCode: 'work_not_found' });
      }
      expectNotFound(await http(q.caller, 'GET', `/v1/environments/${q.env.id}/work/${missing}`), 'work_not_found');
    });
  });

  describe('heartbeat', () => {
    it('the first beat (NO_HEARTBEAT) makes the item active; the next echoes the previous last_heartbeat', async () => {
      const q = await selfHosted();
      const { item } = await acknowledged(q);
      const first = await q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
      expect(first).toEqual({ type: 'work_heartbeat', last_heartbeat: expect.any(String), lease_extended: true, state: 'active', ttl_seconds: 90 });
      expectTimestamp(first.last_heartbeat);
      const active = await q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id });
      expect(active).toMatchObject({ state: 'active', latest_heartbeat_at: first.last_heartbeat });
      expectTimestamp(active.started_at);

      const second = await q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: first.last_heartbeat });
      expect(second).toMatchObject({ type: 'work_heartbeat', lease_extended: true, state: 'active', ttl_seconds: 90 });
      expect(Date.parse(second.last_heartbeat)).toBeGreaterThanOrEqual(Date.parse(first.last_heartbeat));
      const third = await q.worker.beta.environments.work.heartbeat(item.id, {
        environment_id: q.env.id,
        expected_last_heartbeat: second.last_heartbeat,
        desired_ttl_seconds: 45,
      });
      expect(third).toMatchObject({ lease_extended: true, state: 'active', ttl_seconds: 45 });
      expect((await q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id })).latest_heartbeat_at).toBe(third.last_heartbeat);
      // Only the first beat is a state change in the history.
      expect((await q.history(item.id)).map((v) => v.operation)).toEqual(['started', 'acknowledged', 'claimed', 'enqueued']);
    });

    it('a stale expected value is the typed BetaHeartbeatPreconditionFailedError with the lease as the server holds it', async () => {
      expect(Anthropic.Beta.Environments.Work.BetaHeartbeatPreconditionFailedError).toBe(BetaHeartbeatPreconditionFailedError);
      const q = await selfHosted();
      const { item } = await acknowledged(q);
      const beat = await q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
      const before = await eventCount(t);

      const error = await failure(q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' }));
      expect(error).toBeInstanceOf(BetaHeartbeatPreconditionFailedError);
      expect(error).toMatchObject({
        status: 412,
        errorCode: 'heartbeat_precondition_failed',
        details: {
          error_code: 'heartbeat_precondition_failed',
          current_state: { last_heartbeat: beat.last_heartbeat, lease_extended: false, state: 'active', ttl_seconds: 90 },
        },
      });
      expect(error.details.current_state.state).toBe('active');

      const raw = await q.bearer(
        q.environmentKey,
        'POST',
        `/v1/environments/${q.env.id}/work/${item.id}/heartbeat?expected_last_heartbeat=${encodeURIComponent('2001-01-01T00:00:00.000Z')}`,
      );
      expect(raw.status).toBe(412);
      expect(raw.body).toEqual({
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: expect.any(String),
          details: {
            error_code: 'heartbeat_precondition_failed',
            current_state: { last_heartbeat: beat.last_heartbeat, lease_extended: false, state: 'active', ttl_seconds: 90 },
          },
        },
        request_id: raw.headers.get('request-id'),
      });
      expect(await eventCount(t)).toBe(before);
      // The refused beats did not move the lease.
      expect((await q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id })).latest_heartbeat_at).toBe(beat.last_heartbeat);
    });

    it('clamps the lease to 10..600 seconds', async () => {
      const q = await selfHosted();
      const { item } = await acknowledged(q);
      let last = 'NO_HEARTBEAT';
      for (const [desired, granted] of [
        [1, 10],
        [100_000, 600],
        [10, 10],
        [600, 600],
        [120, 120],
      ]) {
        const beat = await q.worker.beta.environments.work.heartbeat(item.id, {
          environment_id: q.env.id,
          expected_last_heartbeat: last,
          desired_ttl_seconds: desired,
        });
        expect({ desired, ttl: beat.ttl_seconds, extended: beat.lease_extended }).toEqual({ desired, ttl: granted, extended: true });
        last = beat.last_heartbeat;
      }
    });

    it('a queued item has not started: 409 work_not_started', async () => {
      const q = await selfHosted();
      const item = await q.enqueue();
      const error = await failure(q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' }));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ status: 409, errorCode: 'work_not_started' });
    });

    it("the work secret authenticates the item's heartbeat and stop, and nothing else", async () => {
      const q = await selfHosted();
      const { item, token } = await acknowledged(q);
      const withSecret = as(token);
      const beat = await withSecret.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
      expect(beat).toMatchObject({ lease_extended: true, state: 'active' });
      expect((await q.history(item.id))[0]).toMatchObject({
        operation: 'started',
        created_by: { type: 'work_secret_actor', work_id: item.id, ip_address: '127.0.0.1', user_agent: expect.any(String) },
      });

      const base = `/v1/environments/${q.env.id}/work`;
      for (const [method, path] of [
        ['GET', `${base}/poll`],
        ['POST', `${base}/${item.id}/ack`],
        ['GET', base],
        ['GET', `${base}/stats`],
        ['GET', `${base}/${item.id}`],
      ] as const) {
        expectError(await q.bearer(token, method, path), 403, 'permission_error', 'insufficient_scope', { what: `${method} ${path}` });
      }
      // Another item's secret is not this item's.
      const { item: other } = await acknowledged(q);
      expectError(
        await q.bearer(token, 'POST', `${base}/${other.id}/heartbeat?expected_last_heartbeat=NO_HEARTBEAT`),
        403,
        'permission_error',
        'insufficient_scope',
      );

      const stopped = await withSecret.beta.environments.work.stop(item.id, { environment_id: q.env.id, force: true });
      expect(stopped.state).toBe('stopped');
      // A stopped item's secret is over.
      const after = await failure(withSecret.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: beat.last_heartbeat }));
      expect(after).toBeInstanceOf(AuthenticationError);
    });
  });

  describe('reclaim and lease expiry', () => {
    it('an unacknowledged claim is reclaimed by a later poll: a new secret, the old one stops working', async () => {
      const q = await selfHosted();
      const item = await q.enqueue();
      const claimed = await q.worker.beta.environments.work.poll(q.env.id, { 'Anthropic-Worker-ID': 'slow-worker' });
      expect(claimed?.id).toBe(item.id);
      const oldToken = sessionsToken(claimed);
      expect(await q.admin.beta.environments.work.stats(q.env.id)).toMatchObject({ depth: 0, pending: 1 });
      // Within the default 5 s the claim holds.
      expect(await q.worker.beta.environments.work.poll(q.env.id)).toBeNull();

      const reclaimed = await eventually(
        'the reclaim',
        () => q.worker.beta.environments.work.poll(q.env.id, { reclaim_older_than_ms: 1, 'Anthropic-Worker-ID': 'fast-worker' }),
        (work) => work !== null,
      );
      expect(reclaimed!.id).toBe(item.id);
      const newToken = sessionsToken(reclaimed);
      expect(newToken).not.toBe(oldToken);
      await q.worker.beta.environments.work.ack(item.id, { environment_id: q.env.id });

      const path = `/v1/environments/${q.env.id}/work/${item.id}/heartbeat?expected_last_heartbeat=NO_HEARTBEAT`;
      expectError(await q.bearer(oldToken, 'POST', path), 401, 'authentication_error');
      const beat = await as(newToken).beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
      expect(beat).toMatchObject({ lease_extended: true, state: 'active' });
      expect((await q.history(item.id)).map((v) => v.operation)).toEqual(['started', 'acknowledged', 'reclaimed', 'claimed', 'enqueued']);
    });

    it('a lease that runs out is stopped by the service, recorded as lease_expired by the system', async () => {
      const q = await selfHosted();
      const { item, token } = await acknowledged(q);
      const beat = await q.worker.beta.environments.work.heartbeat(item.id, {
        environment_id: q.env.id,
        expected_last_heartbeat: 'NO_HEARTBEAT',
        desired_ttl_seconds: 10,
      });
      expect(beat.ttl_seconds).toBe(10);
      // Another item on a long lease is left alone.
      const { item: kept } = await acknowledged(q);
      await q.worker.beta.environments.work.heartbeat(kept.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT', desired_ttl_seconds: 600 });

      const expired = await eventually(
        'the lease expiry',
        () => q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id }),
        (work) => work.state === 'stopped',
      );
      expectTimestamp(expired.stopped_at);
      expect(Date.parse(expired.stopped_at!) - Date.parse(beat.last_heartbeat)).toBeGreaterThanOrEqual(10_000);
      const history = await q.history(item.id);
      expect(history.map((v) => v.operation)).toContain('lease_expired');
      expect(history[0]).toMatchObject({ operation: 'lease_expired', created_by: { type: 'system_actor' }, work: { state: 'stopped' } });

      // A heartbeat now is told the lease is over, whatever it expected; the secret has ended.
      const late = await q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: beat.last_heartbeat });
      expect(late).toMatchObject({ lease_extended: false, state: 'stopped' });
      expectError(await q.bearer(token, 'POST', `/v1/environments/${q.env.id}/work/${item.id}/stop`, {}), 401, 'authentication_error');
      expect((await q.admin.beta.environments.work.retrieve(kept.id, { environment_id: q.env.id })).state).toBe('active');
    });
  });

  describe('stop', () => {
    it("graceful then forced: an API key's stop asks an active item to stop (stopping), a forced one ends it; a stopped item is a 409 the SDK does not retry", async () => {
      const q = await selfHosted();
      const { item } = await acknowledged(q);
      const beat = await q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });

      const stopping = await q.admin.beta.environments.work.stop(item.id, { environment_id: q.env.id });
      expect(stopping).toMatchObject({ id: item.id, state: 'stopping', stopped_at: null, secret: null });
      expectTimestamp(stopping.stop_requested_at);
      // The worker learns of it on its next beat, whatever it expected.
      for (const expected of [beat.last_heartbeat, 'NO_HEARTBEAT']) {
        const told = await q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: expected });
        expect(told).toMatchObject({ type: 'work_heartbeat', lease_extended: false, state: 'stopping' });
      }

      const stopped = await q.admin.beta.environments.work.stop(item.id, { environment_id: q.env.id, force: true });
      expect(stopped).toMatchObject({ state: 'stopped', stop_requested_at: stopping.stop_requested_at });
      expectTimestamp(stopped.stopped_at);
      expect((await q.history(item.id)).map((v) => v.operation)).toEqual(['stopped', 'stop_requested', 'started', 'acknowledged', 'claimed', 'enqueued']);

      const requests: string[] = [];
      const counting: typeof fetch = async (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${String(input instanceof Request ? input.url : input)}`);
        return fetch(input, init);
      };
      const retrying = as(q.environmentKey, { fetch: counting, maxRetries: 2 });
      const error = await failure(retrying.beta.environments.work.stop(item.id, { environment_id: q.env.id }));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ status: 409, errorCode: 'work_stopped' });
      expect(error.headers.get('x-should-retry')).toBe('false');
      expect(requests).toHaveLength(1);
      const raw = await q.bearer(q.environmentKey, 'POST', `/v1/environments/${q.env.id}/work/${item.id}/stop`, { force: true });
      expectError(raw, 409, 'conflict_error', 'work_stopped');
      expect(raw.headers.get('x-should-retry')).toBe('false');
    });

    it('a second graceful stop stops a stopping item', async () => {
      const q = await selfHosted();
      const { item } = await acknowledged(q);
      await q.worker.beta.environments.work.heartbeat(item.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
      expect((await q.admin.beta.environments.work.stop(item.id, { environment_id: q.env.id })).state).toBe('stopping');
      expect((await q.worker.beta.environments.work.stop(item.id, { environment_id: q.env.id })).state).toBe('stopped');
    });

    it("a worker's own graceful stop (environment key or work secret) ends its item, as the SDK's poller expects", async () => {
      const q = await selfHosted();
      const { item: starting } = await acknowledged(q);
      const byKey = await q.worker.beta.environments.work.stop(starting.id, { environment_id: q.env.id });
      expect(byKey).toMatchObject({ id: starting.id, state: 'stopped' });
      expectTimestamp(byKey.stopped_at);
      expect((await q.history(starting.id)).map((v) => v.operation)).toEqual(['stopped', 'acknowledged', 'claimed', 'enqueued']);

      const { item: active, token } = await acknowledged(q);
      await q.worker.beta.environments.work.heartbeat(active.id, { environment_id: q.env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
      const bySecret = await as(token).beta.environments.work.stop(active.id, { environment_id: q.env.id });
      expect(bySecret).toMatchObject({ id: active.id, state: 'stopped' });
      expect((await q.history(active.id))[0]).toMatchObject({ operation: 'stopped', created_by: { type: 'work_secret_actor', work_id: active.id } });
    });

    it('stopping a queued item (with an API key) stops it at once; it is never handed out', async () => {
      const q = await selfHosted();
      const item = await q.enqueue();
      const stopped = await q.admin.beta.environments.work.stop(item.id, { environment_id: q.env.id });
      expect(stopped).toMatchObject({ id: item.id, state: 'stopped', acknowledged_at: null, started_at: null });
      expectTimestamp(stopped.stopped_at);
      expect(await q.worker.beta.environments.work.poll(q.env.id)).toBeNull();
      expect(await q.admin.beta.environments.work.stats(q.env.id)).toMatchObject({ depth: 0, pending: 0, oldest_queued_at: null });
      expect((await q.history(item.id)).map((v) => [v.operation, v.created_by.type])).toEqual([
        ['stopped', 'api_actor'],
        ['enqueued', 'api_actor'],
      ]);
    });

    it('a read API key may not stop (403 insufficient_scope); a key of another organization does not see the environment', async () => {
      const q = await selfHosted();
      const item = await q.enqueue();
      const reader = { baseUrl: t.baseUrl, key: (await t.createKey(q.organization, { scope: 'read' })).key };
      const stop = `/v1/environments/${q.env.id}/work/${item.id}/stop`;
      expectError(await http(reader, 'POST', stop, { body: {} }), 403, 'permission_error', 'insufficient_scope');
      expect((await http(reader, 'GET', `/v1/environments/${q.env.id}/work/stats`)).body).toMatchObject({ depth: 1 });
      const stranger = { baseUrl: t.baseUrl, key: (await t.createKey(uniqueName('stranger-org'))).key };
      for (const [method, path, body] of [
        ['POST', stop, {}],
        ['POST', `/v1/environments/${q.env.id}/work/${item.id}`, { metadata: { a: 'b' } }],
        ['GET', `/v1/environments/${q.env.id}/work/${item.id}`, undefined],
        ['GET', `/v1/environments/${q.env.id}/work/stats`, undefined],
      ] as const) {
        expectNotFound(await http(stranger, method, path, { body }), 'environment_not_found', { what: `${method} ${path}` });
      }
      expect((await q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id })).state).toBe('queued');
    });
  });

  describe('stats', () => {
    it('counts queued and pending items, the oldest, and the distinct workers that polled', async () => {
      const q = await selfHosted();
      const stats = () => q.admin.beta.environments.work.stats(q.env.id);
      expect(await stats()).toEqual({ type: 'work_queue_stats', depth: 0, pending: 0, oldest_queued_at: null, workers_polling: null });
      // A poll without a worker id is not counted.
      expect(await q.worker.beta.environments.work.poll(q.env.id)).toBeNull();
      expect((await stats()).workers_polling).toBeNull();

      const items = [await q.enqueue(), await q.enqueue(), await q.enqueue()];
      expect(await stats()).toEqual({ type: 'work_queue_stats', depth: 3, pending: 0, oldest_queued_at: items[0].created_at, workers_polling: null });

      const a = await q.worker.beta.environments.work.poll(q.env.id, { 'Anthropic-Worker-ID': 'worker-1' });
      expect(await stats()).toEqual({ type: 'work_queue_stats', depth: 2, pending: 1, oldest_queued_at: items[0].created_at, workers_polling: 1 });
      const b = await q.worker.beta.environments.work.poll(q.env.id, { 'Anthropic-Worker-ID': 'worker-2' });
      await q.worker.beta.environments.work.poll(q.env.id, { 'Anthropic-Worker-ID': 'worker-1', block_ms: 1 });
      expect(await stats()).toEqual({ type: 'work_queue_stats', depth: 0, pending: 3, oldest_queued_at: items[0].created_at, workers_polling: 2 });

      await q.worker.beta.environments.work.ack(a!.id, { environment_id: q.env.id });
      await q.worker.beta.environments.work.ack(b!.id, { environment_id: q.env.id });
      expect(await stats()).toEqual({ type: 'work_queue_stats', depth: 0, pending: 1, oldest_queued_at: items[2].created_at, workers_polling: 2 });
      await q.worker.beta.environments.work.stop(items[2].id, { environment_id: q.env.id, force: true });
      expect(await stats()).toMatchObject({ depth: 0, pending: 0, oldest_queued_at: null });

      // Stats take an API key (read is enough), not the environment key.
      const error = await failure(q.worker.beta.environments.work.stats(q.env.id));
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect(error).toMatchObject({ status: 403, errorCode: 'insufficient_scope' });
    });
  });

  describe('list, retrieve and update', () => {
    it('lists newest first in pages of `limit`, with the environment key only', async () => {
      const q = await selfHosted();
      const items: BetaSelfHostedWork[] = [];
      for (let i = 0; i < 5; i++) items.push(await q.enqueue());
      const order = [...items].sort(listOrder).map((w) => w.id);

      const first = await q.worker.beta.environments.work.list(q.env.id, { limit: 2 });
      expect(first.data.map((w) => w.id)).toEqual(order.slice(0, 2));
      expect(first.next_page).toMatch(/^page_/);
      const second = await first.getNextPage();
      expect(second.data.map((w) => w.id)).toEqual(order.slice(2, 4));
      const third = await second.getNextPage();
      expect(third.data.map((w) => w.id)).toEqual(order.slice(4));
      expect(third.hasNextPage()).toBe(false);
      expect(third.next_page ?? null).toBeNull();

      const walked: string[] = [];
      for await (const work of q.worker.beta.environments.work.list(q.env.id, { limit: 3 })) walked.push(work.id);
      expect(walked).toEqual(order);
      expect((await q.worker.beta.environments.work.list(q.env.id)).data).toEqual([...items].sort(listOrder));

      for (const limit of ['0', '101', 'x']) {
        expectError(await q.bearer(q.environmentKey, 'GET', `/v1/environments/${q.env.id}/work?limit=${limit}`), 400, 'invalid_request_error', undefined, { what: limit });
      }
      expectError(await q.bearer(q.environmentKey, 'GET', `/v1/environments/${q.env.id}/work?page=garbage`), 400, 'invalid_request_error');
      const error = await failure(q.admin.beta.environments.work.list(q.env.id));
      expect(error).toBeInstanceOf(PermissionDeniedError);
      // Another environment's items are not listed.
      const other = await selfHosted();
      expect((await other.worker.beta.environments.work.list(other.env.id)).data).toEqual([]);
    });

    it('retrieves with an API key and merges metadata on update (null deletes); the environment key may do neither', async () => {
      const q = await selfHosted();
      const item = await q.enqueue({ metadata: { owner: 'ml', drop: 'me' } });
      const updated = await q.admin.beta.environments.work.update(item.id, {
        environment_id: q.env.id,
        metadata: { drop: null, added: 'yes', owner: 'data' },
      });
      expect(updated).toEqual({ ...item, metadata: { owner: 'data', added: 'yes' } });
      expect(await q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id })).toEqual(updated);
      expect((await q.history(item.id)).map((v) => v.operation)).toEqual(['updated', 'enqueued']);

      const before = await eventCount(t);
      const tooMany = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
      const invalid = await failure(q.admin.beta.environments.work.update(item.id, { environment_id: q.env.id, metadata: tooMany }));
      expect(invalid).toBeInstanceOf(BadRequestError);
      expect(invalid).toMatchObject({ status: 400, errorCode: 'invalid_metadata' });
      for (const call of [
        () => q.worker.beta.environments.work.retrieve(item.id, { environment_id: q.env.id }),
        () => q.worker.beta.environments.work.update(item.id, { environment_id: q.env.id, metadata: { x: 'y' } }),
      ]) {
        const error = await failure(call());
        expect(error).toBeInstanceOf(PermissionDeniedError);
        expect(error).toMatchObject({ errorCode: 'insufficient_scope' });
      }
      expect(await eventCount(t)).toBe(before);
      expect(await q.admin.beta.environments.work.retrieve(item.id, { environment_id: q.env.id })).toEqual(updated);
    });
  });

  describe('the environment', () => {
    it('archiving revokes the environment key: the next poll is 401, and nothing can be enqueued', async () => {
      const q = await selfHosted();
      expect(await q.worker.beta.environments.work.poll(q.env.id)).toBeNull();
      await q.admin.beta.environments.archive(q.env.id);
      const error = await failure(q.worker.beta.environments.work.poll(q.env.id));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ status: 401 });
      const keys = await http(q.caller, 'GET', `/v1/environments/${q.env.id}/keys`);
      expect(keys.body.data).toEqual([expect.objectContaining({ id: q.environmentKeyId, revoked_at: expect.any(String) })]);
      expectBadRequest(await http(q.caller, 'POST', `/v1/environments/${q.env.id}/work`, { body: { data: { type: 'session', id: 's' } } }), 'environment_archived');
    });
  });
});
