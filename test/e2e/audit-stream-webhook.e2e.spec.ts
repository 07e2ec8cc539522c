import { adminOfNewOrganization, caughtUp, concurrentChanges, eventually, FAST_STREAM } from '../support/audit-stream';
import { deduplicated, ReceivedRecord, verifyStream, WebhookReceiver } from '../support/audit-receiver';
import type { Client } from '../support/fixtures';
import { uniqueName } from '../support/fixtures';
import { freePort } from '../support/service-process';
import { parsePrometheus, valueOf } from '../support/prometheus';
import { http, TestApp, withTestApp } from '../support/test-app';

/**
 * The audit stream to a real webhook receiver that verifies every signature
 * with the Standard Webhooks library: complete, in chain order, through
 * failures, pauses and resumes; and the receiver's own check of the chain.
 */
jest.setTimeout(300_000);

describe('audit stream to a webhook', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];
  const METRICS_TOKEN = 'audit-stream-metrics-token';
  withTestApp((app) => (t = app), { ...FAST_STREAM, METRICS_TOKEN });
  const metric = async (name: string, sink: string) => {
    const response = await http(t, 'GET', '/metrics', { key: null, headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    return valueOf(parsePrometheus(response.body), name, { sink });
  };
  afterAll(async () => Promise.all(receivers.map((r) => r.stop())));

  async function sinkTo(client: Client, receiver: WebhookReceiver, url: string, body: Record<string, unknown> = {}) {
    const created = await http(client, 'POST', '/v1/audit_sinks', { body: { type: 'webhook', url, ...body } });
    expect(created.status).toBe(200);
    receiver.useSecret(created.body.secret);
    return created.body.id as string;
  }

  const receiver = () => {
    const r = new WebhookReceiver();
    receivers.push(r);
    return r;
  };

  let delivered: ReceivedRecord[] = [];

  it('delivers every change of 1,000 concurrent ones, signed, in chain order, none missing', async () => {
    const org = await adminOfNewOrganization(t, uniqueName('stream-org'));
    const other = await adminOfNewOrganization(t, uniqueName('stream-other'));
    const r = receiver();
    const url = await r.start();
    const sinkId = await sinkTo(org, r, url, { batch_size: 50 });
    await Promise.all([concurrentChanges(org, 1000), concurrentChanges(other, 100)]);
    const sink = await caughtUp(org, sinkId, 120_000);
    expect(r.badSignatures).toEqual([]);
    const records = deduplicated(r.records);
    expect(records.length).toBe(sink.position);
    expect(records.map((record) => record.chain_seq)).toEqual(Array.from({ length: sink.position }, (_, i) => i + 1));
    expect(new Set(records.map((record) => record.organization_id)).size).toBe(1);
    expect(records.filter((record) => record.version !== null)).toHaveLength(1000);
    // In order as they arrived, too: each record is the next one, or a repeat of one that arrived already.
    let highest = 0;
    for (const record of r.records) {
      expect(record.chain_seq).toBeLessThanOrEqual(highest + 1);
      highest = Math.max(highest, record.chain_seq);
    }
    expect(verifyStream(records)).toBeNull();
    delivered = records;
  });

  it('lets the receiver detect a dropped, an altered or a reordered record by recomputing the chain', () => {
    expect(delivered.length).toBeGreaterThan(10);
    const dropped = delivered.filter((record) => record.chain_seq !== 5);
    expect(verifyStream(dropped)).toMatch(/expected chain_seq 5, got 6/);
    const altered = structuredClone(delivered);
    (altered[6].event.data as Record<string, unknown>).injected = true;
    expect(verifyStream(altered)).toMatch(/was altered/);
    const relinked = structuredClone(delivered);
    relinked[7].prev_hash = relinked[5].hash;
    expect(verifyStream(relinked)).toMatch(/does not link/);
    const swapped = structuredClone(delivered);
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    expect(verifyStream(swapped)).not.toBeNull();
  });

  it('backs off while the receiver answers 500 and delivers everything once it recovers', async () => {
    const org = await adminOfNewOrganization(t, uniqueName('flaky-org'));
    await concurrentChanges(org, 40, 8);
    const r = receiver();
    const url = await r.start();
    r.fail(6);
    const sinkId = await sinkTo(org, r, url, { batch_size: 10, max_failures: 10 });
    const failing = await eventually('a failure to show', async () => {
      const body = (await http(org, 'GET', `/v1/audit_sinks/${sinkId}`)).body;
      return body.failures > 0 ? body : undefined;
    });
    expect(failing.last_error).toMatch(/answered 500/);
    expect(failing.next_attempt_at).not.toBeNull();
    const sink = await caughtUp(org, sinkId);
    expect(sink).toMatchObject({ state: 'active', failures: 0, last_error: null });
    expect(r.requests).toBeGreaterThan(6);
    const records = deduplicated(r.records);
    expect(records.map((record) => record.chain_seq)).toEqual(Array.from({ length: sink.position }, (_, i) => i + 1));
    expect(verifyStream(records)).toBeNull();
    expect(r.badSignatures).toEqual([]);
  });

  it('pauses a sink whose receiver stays down past max_failures, shows why, and delivers everything once resumed', async () => {
    const org = await adminOfNewOrganization(t, uniqueName('down-org'));
    const port = await freePort();
    const r = receiver();
    const sinkId = await sinkTo(org, r, `http://127.0.0.1:${port}/audit`, { batch_size: 25, max_failures: 3 });
    await concurrentChanges(org, 30, 6);
    const paused = await eventually('the sink to pause', async () => {
      const body = (await http(org, 'GET', `/v1/audit_sinks/${sinkId}`)).body;
      return body.state === 'paused' ? body : undefined;
    });
    expect(paused).toMatchObject({ failures: 3, position: 0, last_error: expect.stringMatching(/ECONNREFUSED|failed/) });
    expect(paused.lag).toBeGreaterThan(30);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await http(org, 'GET', `/v1/audit_sinks/${sinkId}`)).body).toMatchObject({ state: 'paused', position: 0 });
    expect(await metric('sandbase_audit_stream_delivery_failures_total', sinkId)).toBe(3);
    await eventually('the paused sink\'s lag in the metrics', async () => ((await metric('sandbase_audit_stream_lag_versions', sinkId)) === paused.lag ? true : undefined), 15_000);
    await r.start(port);
    const resumed = await http(org, 'POST', `/v1/audit_sinks/${sinkId}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ state: 'active', failures: 0 });
    const sink = await caughtUp(org, sinkId);
    const records = deduplicated(r.records);
    expect(records.map((record) => record.chain_seq)).toEqual(Array.from({ length: sink.position }, (_, i) => i + 1));
    expect(verifyStream(records)).toBeNull();
    expect(await metric('sandbase_audit_stream_records_delivered_total', sinkId)).toBeGreaterThanOrEqual(sink.position);
    await eventually('no lag in the metrics', async () => ((await metric('sandbase_audit_stream_lag_versions', sinkId)) === 0 ? true : undefined));
    expect(await metric('sandbase_audit_stream_lag_seconds', sinkId)).toBe(0);
  });
});
