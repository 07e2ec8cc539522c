import { connect, JetStreamManager, NatsConnection } from 'nats';
import { adminOfNewOrganization, caughtUp, concurrentChanges, eventually, FAST_STREAM } from '../support/audit-stream';
import { ReceivedRecord, verifyStream } from '../support/audit-receiver';
import { uniqueName } from '../support/fixtures';
import { http, TestApp, withTestApp } from '../support/test-app';

/**
 * The audit stream to the real NATS JetStream server (TEST_NATS_URL, see
 * test/run-tests.js): every record stored once, with its id as the message
 * id, so a replay (or a retry) is dropped by JetStream's de-duplication.
 */
jest.setTimeout(180_000);

const NATS_URL = process.env.TEST_NATS_URL;
const describeWithNats = NATS_URL ? describe : describe.skip;

describeWithNats('audit stream to NATS JetStream', () => {
  let t: TestApp;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = `SANDBASE_AUDIT_${uniqueName('t').replace(/\W/g, '_')}`;
  const subject = `sandbase.audit.${stream.toLowerCase()}`;
  withTestApp((app) => (t = app), { ...FAST_STREAM, SANDBASE_AUDIT_STREAM_NATS_URL: NATS_URL ?? '' });

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject], duplicate_window: 120 * 1_000_000_000 });
  });

  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.drain();
  });

  async function stored(): Promise<{ record: ReceivedRecord; msgId: string | undefined }[]> {
    const count = (await jsm.streams.info(stream)).state.messages;
    const messages = [];
    for (let seq = 1; seq <= count; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      messages.push({ record: message.json<ReceivedRecord>(), msgId: message.header?.get('Nats-Msg-Id') });
    }
    return messages;
  }

  it('stores every record once, in chain order, and a replay adds nothing', async () => {
    const org = await adminOfNewOrganization(t, uniqueName('nats-org'));
    const created = await http(org, 'POST', '/v1/audit_sinks', { body: { type: 'nats', subject, batch_size: 20 } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ sink_type: 'nats', subject, url: null, secret: null });
    await concurrentChanges(org, 1000, 16);
    const sink = await caughtUp(org, created.body.id);
    const messages = await stored();
    expect(messages).toHaveLength(sink.position);
    expect(messages.map((m) => m.record.chain_seq)).toEqual(Array.from({ length: sink.position }, (_, i) => i + 1));
    expect(messages.every((m) => m.msgId === m.record.id)).toBe(true);
    expect(verifyStream(messages.map((m) => m.record))).toBeNull();

    // Everything again from the first record: JetStream drops each as a duplicate of its id.
    const replayed = await http(org, 'POST', `/v1/audit_sinks/${created.body.id}/replay`, { body: { from: messages[0].record.id } });
    expect(replayed.body.position).toBe(0);
    await caughtUp(org, created.body.id);
    expect((await jsm.streams.info(stream)).state.messages).toBe(sink.position);
  });

  it('counts a publish to a subject no stream takes as a failure, with the error shown', async () => {
    const org = await adminOfNewOrganization(t, uniqueName('nats-nostream'));
    const created = await http(org, 'POST', '/v1/audit_sinks', { body: { type: 'nats', subject: `${subject}.nowhere.${Date.now()}`, max_failures: 2 } });
    const paused = await eventually('the sink to pause', async () => {
      const body = (await http(org, 'GET', `/v1/audit_sinks/${created.body.id}`)).body;
      return body.state === 'paused' ? body : undefined;
    });
    expect(paused.last_error).toMatch(/publishing to .* failed/);
  });
});
