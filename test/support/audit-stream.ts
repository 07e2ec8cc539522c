import { http, TestApp } from './test-app';
import type { Client } from './fixtures';

/** Settings that make the deliverer quick in tests: passes every 50 ms, backoff from 50 ms to 200 ms, a 3 s lease. */
export const FAST_STREAM = {
  SANDBASE_AUDIT_STREAM_INTERVAL_MS: '50',
  SANDBASE_AUDIT_STREAM_BACKOFF_MS: '50',
  SANDBASE_AUDIT_STREAM_BACKOFF_MAX_MS: '200',
  SANDBASE_AUDIT_STREAM_LEASE_MS: '3000',
  SANDBASE_AUDIT_STREAM_TIMEOUT_MS: '2000',
};

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A client of a new organization with an admin key. */
export async function adminOfNewOrganization(t: TestApp, name: string): Promise<Client> {
  const created = await t.createKey(name, { scope: 'admin' });
  return { baseUrl: t.baseUrl, key: created.key };
}

/** The sink, once it stands at the end of the organization's chain. */
export function caughtUp(client: Client, sinkId: string, timeoutMs = 60_000): Promise<any> {
  return eventually(`sink ${sinkId} to catch up`, async () => {
    const response = await http(client, 'GET', `/v1/audit_sinks/${sinkId}`);
    if (response.status !== 200) throw new Error(`GET sink answered ${response.status}`);
    return response.body.lag === 0 && response.body.position > 0 ? response.body : undefined;
  }, timeoutMs);
}

/** `count` changes at once, `parallel` in flight: creates, then updates of what was created. */
export async function concurrentChanges(client: Client, count: number, parallel = 32): Promise<void> {
  const created: string[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      const n = started++;
      const update = created.length > 0 && n % 2 === 1;
      const response = update
        ? await http(client, 'POST', `/v1/environments/${created[n % created.length]}`, { body: { description: `change ${n}` } })
        : await http(client, 'POST', '/v1/environments', { body: { name: `stream-env-${n}` } });
      if (response.status !== 200) throw new Error(`change ${n} answered ${response.status}: ${JSON.stringify(response.body)}`);
      if (!update) created.push(response.body.id);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
