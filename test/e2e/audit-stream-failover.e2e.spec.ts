import { Database } from '../../src/database/database';
import { sql } from '../../src/database/sql';
import { caughtUp, concurrentChanges, eventually, FAST_STREAM } from '../support/audit-stream';
import { deduplicated, verifyStream, WebhookReceiver } from '../support/audit-receiver';
import { createTestDatabase, TestDatabase } from '../support/database';
import { ServiceProcess, startServiceProcess } from '../support/service-process';
import { http } from '../support/test-app';

jest.setTimeout(240_000);

/**
 * Two service processes on one database, each with its deliverer: exactly
 * one holds a sink's lease; SIGKILLed in the middle of the stream, the other
 * takes the lease over once it ran out and continues from the stored
 * position. Nothing is lost; what arrives twice is a repeat of a batch the
 * dead one sent but could not record.
 */
describe('audit stream across a crash of the delivering instance', () => {
  const key = 'sk-sb-auditstreamfailover0123456789';
  let database: TestDatabase;
  let processes: ServiceProcess[] = [];
  let db: Database;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { ...FAST_STREAM, DATABASE_URL: database.url, SANDBASE_BOOTSTRAP_API_KEY: key, DATABASE_POOL_SIZE: '10' };
    processes = [await startServiceProcess(env), await startServiceProcess(env)];
    db = await Database.open(database.config, { migrate: false });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await receiver.stop();
    await db?.close();
    await database?.drop();
  });

  it('continues from the stored position on the other instance, nothing lost', async () => {
    const [a, b] = processes.map((p) => ({ baseUrl: p.baseUrl, key }));
    await concurrentChanges(a, 150, 8);
    receiver.delayMs = 40;
    const url = await receiver.start();
    const created = await http(b, 'POST', '/v1/audit_sinks', { body: { type: 'webhook', url, batch_size: 5 } });
    expect(created.status).toBe(200);
    receiver.useSecret(created.body.secret);

    // Mid-stream: some records acknowledged, most not.
    const owner = await eventually('a delivery under way', async () => {
      const rows = await db.query<{ lease_owner: string | null; position: number | string }>(sql`SELECT lease_owner, position FROM audit_sinks`);
      return Number(rows[0].position) >= 20 && rows[0].lease_owner ? rows[0].lease_owner : undefined;
    });
    const pid = Number(owner.split(':').at(-2));
    const delivering = processes.find((p) => p.child.pid === pid)!;
    expect(delivering).toBeDefined();
    await delivering.kill();
    const survivor = processes.find((p) => p !== delivering)!;
    const stoppedAt = Number((await db.query<{ position: number | string }>(sql`SELECT position FROM audit_sinks`))[0].position);

    const sink = await caughtUp({ baseUrl: survivor.baseUrl, key }, created.body.id, 120_000);
    expect(sink.position).toBeGreaterThan(stoppedAt);
    const rows = await db.query<{ lease_owner: string }>(sql`SELECT lease_owner FROM audit_sinks`);
    expect(Number(rows[0].lease_owner.split(':').at(-2))).toBe(survivor.child.pid);
    expect(receiver.badSignatures).toEqual([]);
    const records = deduplicated(receiver.records);
    expect(records.map((r) => r.chain_seq)).toEqual(Array.from({ length: sink.position }, (_, i) => i + 1));
    expect(verifyStream(records)).toBeNull();
    let highest = 0;
    for (const record of receiver.records) {
      expect(record.chain_seq).toBeLessThanOrEqual(highest + 1);
      highest = Math.max(highest, record.chain_seq);
    }
  });
});
