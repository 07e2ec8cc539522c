import { runCli } from '../support/cli';
import { uniqueName } from '../support/fixtures';
import { http, TestApp, withTestApp } from '../support/test-app';

/** The operator's audit sink commands, on the service's database: what they print, and that the API sees their changes. */
jest.setTimeout(120_000);

describe('audit sinks CLI', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));

  it('creates, lists, replays, resumes and deletes a sink; refuses what the API refuses', async () => {
    const org = uniqueName('cli-sinks');
    const admin = { baseUrl: t.baseUrl, key: (await t.createKey(org, { scope: 'admin' })).key };
    const env = { DATABASE_URL: t.database.url, LOG_LEVEL: 'error' };
    const created = await runCli(['audit', 'sinks', 'create', '--org', org, '--type', 'webhook', '--url', 'http://127.0.0.1:9/cli', '--batch-size', '7', '--json'], env);
    expect(created).toMatchObject({ code: 0 });
    const sink = JSON.parse(created.stdout);
    expect(sink).toMatchObject({ type: 'audit_sink', sink_type: 'webhook', batch_size: 7, secret: expect.stringMatching(/^whsec_/) });
    expect((await http(admin, 'GET', `/v1/audit_sinks/${sink.id}`)).body).toMatchObject({ id: sink.id, url: 'http://127.0.0.1:9/cli' });

    const listed = await runCli(['audit', 'sinks', 'list', '--org', org], env);
    expect(listed.stdout).toContain(`${sink.id}  webhook http://127.0.0.1:9/cli  active  position=0`);
    const replayed = await runCli(['audit', 'sinks', 'replay', sink.id, '--from', '2999-01-01T00:00:00Z', '--json'], env);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ lag: 0 });
    expect((await runCli(['audit', 'sinks', 'delete', sink.id], env)).stdout).toContain(`Deleted audit sink ${sink.id}.`);

    const refused = await runCli(['audit', 'sinks', 'create', '--org', org, '--type', 'file', '--path', '../x'], env);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/path must be a file name/) });
    const gone = await runCli(['audit', 'sinks', 'resume', sink.id], env);
    expect(gone).toMatchObject({ code: 1, stderr: expect.stringContaining(`No audit sink ${sink.id}`) });
  });
});
