import Anthropic, { AuthenticationError } from '@anthropic-ai/sdk';
import type { BetaSelfHostedWork } from '@anthropic-ai/sdk/resources/beta/environments/work';
import { expectTimestamp, uniqueName } from '../support/fixtures';
import { http, TestApp, withTestApp } from '../support/test-app';

/**
 * The SDK's own WorkPoller (`client.beta.environments.work.poller`), unchanged,
 * against the listening service: it long-polls with the environment key,
 * acknowledges each item, yields it, and stops it after the loop body.
 */
// The poller sleeps 1-3 s after each empty poll, and several run at once on a shared machine.
jest.setTimeout(120_000);

describe('the SDK WorkPoller against the service', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));

  /** A self-hosted environment, a key of its organization (id known, for the history) and an environment key. */
  async function selfHostedQueue() {
    const apiKey = await t.createKey(uniqueName('poller-org'));
    const client = new Anthropic({ apiKey: apiKey.key, baseURL: t.baseUrl });
    const caller = { baseUrl: t.baseUrl, key: apiKey.key };
    const env = await client.beta.environments.create({ name: uniqueName('workers'), config: { type: 'self_hosted' } });
    const created = await http(caller, 'POST', `/v1/environments/${env.id}/keys`, { body: { name: 'pollers' } });
    expect(created.status).toBe(200);
    const enqueue = async (n: number): Promise<BetaSelfHostedWork[]> => {
      const items: BetaSelfHostedWork[] = [];
      for (let i = 0; i < n; i++) {
        const r = await http(caller, 'POST', `/v1/environments/${env.id}/work`, { body: { data: { type: 'session', id: `session_${i}` } } });
        expect(r.status).toBe(200);
        items.push(r.body);
      }
      return items;
    };
    return { client, caller, apiKeyId: apiKey.id, env, environmentKey: created.body.key as string, environmentKeyId: created.body.id as string, enqueue };
  }

  it('three concurrent pollers consume 50 items, each yielded exactly once; every item ends stopped with its lifecycle in the history', async () => {
    const { client, caller, apiKeyId, env, environmentKey, environmentKeyId, enqueue } = await selfHostedQueue();
    const enqueued = await enqueue(50);
    expect(enqueued.every((item) => item.state === 'queued')).toBe(true);
    const expected = new Set(enqueued.map((item) => item.id));

    const controller = new AbortController();
    // A safety net only: if an item never arrives the loops end and the assertions below say which.
    const giveUp = setTimeout(() => controller.abort(), 90_000);
    const seen = new Set<string>();
    const yielded: string[][] = [[], [], []];
    const received: BetaSelfHostedWork[] = [];
    const pollers = yielded.map((_, i) =>
      client.beta.environments.work.poller({ environmentId: env.id, environmentKey, workerId: `poller-${i}`, signal: controller.signal }),
    );
    try {
      await Promise.all(
        pollers.map(async (poller, i) => {
          // Only records: an assertion failing here would leave the other pollers running.
          for await (const work of poller) {
            yielded[i].push(work.id);
            received.push(work);
            seen.add(work.id);
            if ([...expected].every((id) => seen.has(id))) controller.abort();
          }
        }),
      );
    } finally {
      clearTimeout(giveUp);
    }

    const all = yielded.flat();
    expect(all.length).toBe(50);
    expect(new Set(all).size).toBe(50);
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(received.every((work) => work.environment_id === env.id)).toBe(true);
    // Each claim came with a secret of its own.
    expect(received.every((work) => typeof work.secret === 'string')).toBe(true);
    expect(new Set(received.map((work) => work.secret)).size).toBe(50);

    // Every item as it ended, and its history (newest first); compared in one piece so that a failure shows them all.
    type Version = { operation: string; version: number; created_by: Record<string, unknown>; work_id: string };
    const ended: { id: string; work: BetaSelfHostedWork; versions: Version[] }[] = [];
    for (const item of enqueued) {
      const work = await client.beta.environments.work.retrieve(item.id, { environment_id: env.id });
      const history = await http(caller, 'GET', `/v1/work_versions?work_id=${item.id}`);
      expect(history.status).toBe(200);
      const versions = history.body.data as Version[];
      ended.push({ id: item.id, work, versions });
      expectTimestamp(work.acknowledged_at);
      expect(work.secret).toBeNull();
      expect(work.data).toEqual(item.data);
    }
    expect(ended.map(({ id, work, versions }) => ({ id, state: work.state, operations: versions.map((v) => v.operation) }))).toEqual(
      enqueued.map((item) => ({ id: item.id, state: 'stopped', operations: ['stopped', 'acknowledged', 'claimed', 'enqueued'] })),
    );
    for (const { id, work, versions } of ended) {
      expectTimestamp(work.stopped_at);
      expect(versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
      expect(versions.every((v) => v.work_id === id)).toBe(true);
      expect(versions[3].created_by).toMatchObject({ type: 'api_actor', api_key_id: apiKeyId });
      for (const version of versions.slice(0, 3)) {
        expect(version.created_by).toMatchObject({ type: 'environment_key_actor', environment_key_id: environmentKeyId });
      }
    }

    // Nothing left in the queue, and the three worker ids were seen polling.
    const stats = await client.beta.environments.work.stats(env.id);
    expect(stats).toMatchObject({ type: 'work_queue_stats', depth: 0, pending: 0, oldest_queued_at: null, workers_polling: 3 });
  });

  it('with drain, a poller makes one pass over what is queued and ends by itself', async () => {
    const { client, env, environmentKey, enqueue } = await selfHostedQueue();
    const enqueued = await enqueue(5);
    const yielded: string[] = [];
    for await (const work of client.beta.environments.work.poller({ environmentId: env.id, environmentKey, drain: true, blockMs: null })) {
      yielded.push(work.id);
    }
    // Oldest first.
    expect(yielded).toEqual(enqueued.map((item) => item.id));
    const states: string[] = [];
    for (const item of enqueued) states.push((await client.beta.environments.work.retrieve(item.id, { environment_id: env.id })).state);
    expect(states).toEqual(enqueued.map(() => 'stopped'));
    // A second pass finds nothing.
    const again: string[] = [];
    for await (const work of client.beta.environments.work.poller({ environmentId: env.id, environmentKey, drain: true })) again.push(work.id);
    expect(again).toEqual([]);
  });

  it('a loop body that heartbeats with the work secret (as the docs show) still ends each item stopped', async () => {
    const { client, caller, env, environmentKey, enqueue } = await selfHostedQueue();
    const enqueued = await enqueue(3);
    const beats: string[] = [];
    for await (const work of client.beta.environments.work.poller({ environmentId: env.id, environmentKey, drain: true, blockMs: null })) {
      const { sessions_token } = JSON.parse(Buffer.from(work.secret!, 'base64url').toString('utf8'));
      const worker = new Anthropic({ authToken: sessions_token, apiKey: null, baseURL: t.baseUrl });
      const first = await worker.beta.environments.work.heartbeat(work.id, { environment_id: env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
      const second = await worker.beta.environments.work.heartbeat(work.id, { environment_id: env.id, expected_last_heartbeat: first.last_heartbeat });
      beats.push(`${first.state}/${second.state}`);
    }
    expect(beats).toEqual(['active/active', 'active/active', 'active/active']);
    const ended: { state: string; operations: string[] }[] = [];
    for (const item of enqueued) {
      const work = await client.beta.environments.work.retrieve(item.id, { environment_id: env.id });
      const history = await http(caller, 'GET', `/v1/work_versions?work_id=${item.id}`);
      ended.push({ state: work.state, operations: history.body.data.map((v: { operation: string }) => v.operation) });
    }
    expect(ended).toEqual(enqueued.map(() => ({ state: 'stopped', operations: ['stopped', 'started', 'acknowledged', 'claimed', 'enqueued'] })));
  });

  it('a poller with a revoked environment key ends with the authentication error instead of retrying', async () => {
    const { caller, env, environmentKey, environmentKeyId } = await selfHostedQueue();
    // The poller logs its fatal error through the client's logger: silenced here, the test checks the error itself.
    const client = new Anthropic({ apiKey: caller.key, baseURL: t.baseUrl, logLevel: 'off' });
    const revoked = await http(caller, 'POST', `/v1/environments/${env.id}/keys/${environmentKeyId}/revoke`);
    expect(revoked.status).toBe(200);
    const poller = client.beta.environments.work.poller({ environmentId: env.id, environmentKey });
    const run = (async () => {
      for await (const _work of poller) {
        /* nothing to yield */
      }
    })();
    await expect(run).rejects.toBeInstanceOf(AuthenticationError);
  });
});
