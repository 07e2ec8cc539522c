import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminOfNewOrganization, caughtUp, eventually, FAST_STREAM } from '../support/audit-stream';
import { ReceivedRecord, verifyStream } from '../support/audit-receiver';
import type { Client } from '../support/fixtures';
import { uniqueName } from '../support/fixtures';
import { http, TestApp, withTestApp } from '../support/test-app';

/** The admin API of audit sinks: what it takes, what it refuses, what it shows; and a file sink's NDJSON. */
jest.setTimeout(120_000);

const fileDir = mkdtempSync(join(tmpdir(), 'sandbase-audit-files-'));

describe('audit sinks API', () => {
  let t: TestApp;
  let admin: Client;
  withTestApp((app) => (t = app), { ...FAST_STREAM, SANDBASE_AUDIT_STREAM_FILE_DIR: fileDir });

  beforeAll(async () => {
    admin = await adminOfNewOrganization(t, uniqueName('sinks-org'));
  });

  it('creates a webhook sink, shows its secret once, and lists and gets it without', async () => {
    const created = await http(admin, 'POST', '/v1/audit_sinks', { body: { type: 'webhook', url: 'http://127.0.0.1:9/x', batch_size: 5, max_failures: 2 } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ type: 'audit_sink', sink_type: 'webhook', url: 'http://127.0.0.1:9/x', subject: null, path: null, batch_size: 5, max_failures: 2, state: 'active', position: 0, failures: 0 });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await http(admin, 'GET', `/v1/audit_sinks/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    const listed = await http(admin, 'GET', '/v1/audit_sinks');
    expect(listed.body.data.map((sink: { id: string }) => sink.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect((await http(admin, 'DELETE', `/v1/audit_sinks/${created.body.id}`)).body).toEqual({ id: created.body.id, type: 'audit_sink_deleted' });
    expect((await http(admin, 'GET', `/v1/audit_sinks/${created.body.id}`)).status).toBe(404);
  });

  it.each([
    [{ type: 'syslog' }, /type must be one of/],
    [{ type: 'webhook' }, /url must be/],
    [{ type: 'webhook', url: 'ftp://example.com/' }, /url must be/],
    [{ type: 'webhook', url: 'http://user:pw@example.com/' }, /without credentials/],
    [{ type: 'webhook', url: 'http://example.com/', subject: 'a' }, /subject does not apply/],
    [{ type: 'nats', subject: 'audit.acme' }, /nats sinks are off/],
    [{ type: 'file', path: '../etc/passwd' }, /path must be a file name/],
    [{ type: 'file', path: '.hidden' }, /path must be a file name/],
    [{ type: 'stdout', batch_size: 0 }, /batch_size/],
    [{ type: 'stdout', max_failures: 1.5 }, /max_failures/],
    [{ type: 'stdout', batch_size: '5' }, /batch_size/],
    [{ type: 'stdout', secret: 'mine' }, /unknown field/],
  ])('refuses %j with a 400', async (body, message) => {
    const response = await http(admin, 'POST', '/v1/audit_sinks', { body });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(message) });
  });

  it('answers 404 for another organization\'s sink and for an unknown one, and 400 for a replay from nowhere', async () => {
    const created = await http(admin, 'POST', '/v1/audit_sinks', { body: { type: 'webhook', url: 'http://127.0.0.1:9/y' } });
    const other = await adminOfNewOrganization(t, uniqueName('sinks-other'));
    for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['POST', '/resume']] as const) {
      const response = await http(other, method, `/v1/audit_sinks/${created.body.id}${suffix}`);
      expect(response.status).toBe(404);
      expect(response.body.error.details).toEqual({ error_code: 'audit_sink_not_found' });
    }
    expect((await http(admin, 'POST', '/v1/audit_sinks/sink_nope/resume')).status).toBe(404);
    for (const from of ['nope', 'x'.repeat(100), '2026-13-45T00:00:00Z']) {
      const response = await http(admin, 'POST', `/v1/audit_sinks/${created.body.id}/replay`, { body: { from } });
      expect(response.status).toBe(400);
    }
    expect((await http(admin, 'POST', `/v1/audit_sinks/${created.body.id}/replay`, { body: { from: 5 } })).status).toBe(400);
    await http(admin, 'DELETE', `/v1/audit_sinks/${created.body.id}`);
  });

  it('writes NDJSON lines to a file sink in chain order, and replays from a version id and from a time', async () => {
    const org = await adminOfNewOrganization(t, uniqueName('file-org'));
    const before = new Date().toISOString();
    const versions: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await http(org, 'POST', '/v1/environments', { body: { name: `file-env-${i}` } });
      versions.push(response.body.id);
    }
    const created = await http(org, 'POST', '/v1/audit_sinks', { body: { type: 'file', path: 'org.ndjson', batch_size: 2 } });
    expect(created.status).toBe(200);
    expect(created.body.secret).toBeNull();
    const sink = await caughtUp(org, created.body.id);
    const read = () => readFileSync(join(fileDir, 'org.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ReceivedRecord);
    const records = read();
    expect(records.map((r) => r.chain_seq)).toEqual(Array.from({ length: sink.position }, (_, i) => i + 1));
    expect(verifyStream(records)).toBeNull();
    const envRecords = records.filter((r) => r.version !== null);
    expect(envRecords.map((r) => (r.version as unknown as { environment_id: string }).environment_id)).toEqual(versions);
    // From the third environment's version on: everything from its record, again.
    const third = envRecords[2];
    const replayed = await http(org, 'POST', `/v1/audit_sinks/${created.body.id}/replay`, { body: { from: third.version!.id } });
    expect(replayed.status).toBe(200);
    expect(replayed.body.position).toBe(third.chain_seq - 1);
    await caughtUp(org, created.body.id);
    const again = read().slice(records.length);
    expect(again.map((r) => r.chain_seq)).toEqual(records.filter((r) => r.chain_seq >= third.chain_seq).map((r) => r.chain_seq));
    expect(verifyStream(again, { seq: third.chain_seq, prevHash: third.prev_hash })).toBeNull();
    const fromTime = await http(org, 'POST', `/v1/audit_sinks/${created.body.id}/replay`, { body: { from: before } });
    expect(fromTime.body.position).toBeLessThanOrEqual(envRecords[0].chain_seq - 1);
    const future = await http(org, 'POST', `/v1/audit_sinks/${created.body.id}/replay`, { body: { from: '2999-01-01T00:00:00Z' } });
    expect(future.body).toMatchObject({ position: sink.position, lag: 0 });
    await eventually('the sink to be idle', async () => ((await http(org, 'GET', `/v1/audit_sinks/${created.body.id}`)).body.lag === 0 ? true : undefined));
  });
});
