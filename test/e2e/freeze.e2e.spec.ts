import Anthropic from '@anthropic-ai/sdk';
import { BetaEnvironmentCreateDisabledError, BetaEnvironmentUpdateDisabledError } from '@anthropic-ai/sdk/resources/beta/environments/environments';
import { runCli } from '../support/cli';
import { expectError } from '../support/envelope';
import { createEnvironment, uniqueName } from '../support/fixtures';
import { eventCount, http, TestApp, withTestApp } from '../support/test-app';

/**
 * The change freeze: an operator holds an organization's configuration
 * still (creates, updates or both) during an audit or an incident; reads
 * continue; freezing and unfreezing are in the organization's history.
 */
describe('change freeze', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));
  const cli = (args: string[]) => runCli(args, { DATABASE_URL: t.database.url });

  it('refuses creates, then updates, archives and deletes, with the SDK typed errors; reads continue; unfreeze restores', async () => {
    const org = uniqueName('frozen-org');
    const { key } = await t.createKey(org);
    const client = { baseUrl: t.baseUrl, key };
    const sdk = new Anthropic({ apiKey: key, baseURL: t.baseUrl, maxRetries: 0 });
    const env = await createEnvironment(client);

    const frozen = await cli(['freeze', '--org', org, '--creates', '--reason', 'quarterly audit']);
    expect(frozen.code).toBe(0);
    let before = await eventCount(t);
    expectError(await http(client, 'POST', '/v1/environments', { body: { name: 'during-freeze' } }), 403, 'permission_error', 'environment_create_disabled', {
      message: /quarterly audit/,
    });
    await expect(sdk.beta.environments.create({ name: 'during-freeze' })).rejects.toBeInstanceOf(BetaEnvironmentCreateDisabledError);
    expect(await eventCount(t)).toBe(before);
    // Creates only: updates still go through.
    expect((await http(client, 'POST', `/v1/environments/${env.id}`, { body: { description: 'still allowed' } })).status).toBe(200);

    expect((await cli(['freeze', '--org', org, '--updates', '--reason', 'incident 42'])).code).toBe(0);
    before = await eventCount(t);
    for (const [method, path, body] of [
      ['POST', `/v1/environments/${env.id}`, { description: 'frozen' }],
      ['POST', `/v1/environments/${env.id}/archive`, undefined],
      ['DELETE', `/v1/environments/${env.id}`, undefined],
    ] as const) {
      expectError(await http(client, method, path, { body }), 403, 'permission_error', 'environment_update_disabled', { what: `${method} ${path}` });
    }
    await expect(sdk.beta.environments.update(env.id, { description: 'frozen' })).rejects.toBeInstanceOf(BetaEnvironmentUpdateDisabledError);
    // --updates alone replaced the earlier freeze of creates.
    expect((await http(client, 'POST', '/v1/environments', { body: { name: uniqueName('allowed') } })).status).toBe(200);
    before = await eventCount(t);
    expect((await http(client, 'GET', `/v1/environments/${env.id}`)).body.description).toBe('still allowed');
    expect((await sdk.beta.environments.list()).data.length).toBe(2);
    expect(await eventCount(t)).toBe(before);

    // Another organization is not affected.
    const other = { baseUrl: t.baseUrl, key: (await t.createKey(uniqueName('unfrozen-org'))).key };
    expect((await http(other, 'POST', '/v1/environments', { body: { name: 'elsewhere' } })).status).toBe(200);

    expect((await cli(['unfreeze', '--org', org])).code).toBe(0);
    expect((await http(client, 'POST', `/v1/environments/${env.id}`, { body: { description: 'thawed' } })).status).toBe(200);

    const history = await http(client, 'GET', '/v1/organization_versions');
    expect(history.status).toBe(200);
    expect(history.body.data.map((v: { operation: string; version: number }) => [v.version, v.operation])).toEqual([
      [3, 'unfrozen'],
      [2, 'frozen'],
      [1, 'frozen'],
    ]);
    expect(history.body.data[1]).toMatchObject({
      type: 'organization_version',
      created_by: { type: 'cli_actor' },
      organization: { creates: false, updates: true, reason: 'incident 42' },
    });
    expect(history.body.data[0].organization).toMatchObject({ creates: false, updates: false, reason: null });
  });

  it('freezes both by default, needs a reason, and names an unknown organization', async () => {
    const org = uniqueName('frozen-both');
    const { key } = await t.createKey(org);
    const client = { baseUrl: t.baseUrl, key };
    const env = await createEnvironment(client);
    const noReason = await cli(['freeze', '--org', org]);
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toMatch(/reason/);
    const unknown = await cli(['freeze', '--org', uniqueName('nobody'), '--reason', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no organization named/);

    expect((await cli(['freeze', '--org', org, '--reason', 'everything'])).code).toBe(0);
    expectError(await http(client, 'POST', '/v1/environments', { body: { name: 'x' } }), 403, 'permission_error', 'environment_create_disabled');
    expectError(await http(client, 'DELETE', `/v1/environments/${env.id}`), 403, 'permission_error', 'environment_update_disabled');
    expect((await cli(['unfreeze', '--org', org])).code).toBe(0);
  });
});
