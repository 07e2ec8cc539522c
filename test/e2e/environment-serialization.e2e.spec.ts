import { QueryBus } from '@nestjs/cqrs';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { GetEnvironmentQuery } from '../../src/environments/queries/get-environment/get-environment.query';
import { ListEnvironmentsQuery } from '../../src/environments/queries/list-environments/list-environments.query';
import { expectError } from '../support/envelope';
import { uniqueName } from '../support/fixtures';
import { http, TestApp, withTestApp } from '../support/test-app';

/**
 * The environment routes answer 200 through Fastify's schema-based serializer,
 * which leaves out whatever its schema does not name: every field the service
 * holds must still reach the client exactly, and error answers must keep
 * their envelope.
 */
describe('schema-serialized environment answers', () => {
  let t: TestApp;
  withTestApp((app) => (t = app));

  const fullyPopulated = () => ({
    name: uniqueName('serialized'),
    description: 'quotes " and \\ backslashes, a tab\t, a newline\n, \u2028, é and 🚀',
    config: {
      type: 'cloud',
      networking: { type: 'limited', allowed_hosts: ['api.example.com', '*.example.org'], allow_mcp_servers: true, allow_package_managers: true },
      packages: {
        type: 'packages',
        apt: ['curl', 'git=1:2.39.2-1'],
        cargo: ['ripgrep@14.1.0'],
        gem: ['rails:7.1.0'],
        go: ['golang.org/x/tools/gopls@latest'],
        npm: ['typescript@5.9.0', '@scope/pkg'],
        pip: ['requests==2.32.0', 'numpy>=2'],
      },
    },
    metadata: { team: 'platform', 'key with "quotes"': 'value with \\ and "', 'ключ': 'значение 🚀', constructor: 'x', toString: 'y' },
  });

  /** The environment as the service holds it, read through the same query the route uses, not through HTTP. */
  async function held(id: string, version?: number): Promise<unknown> {
    const principal = await t.app.get(ApiKeysService).authenticate(t.key);
    return t.app.get(QueryBus).execute(new GetEnvironmentQuery(principal!.organizationId, id, version));
  }

  it('retrieve, create, update and archive answer every field of a fully populated environment exactly as held', async () => {
    const created = await http(t, 'POST', '/v1/environments', { body: fullyPopulated() });
    expect(created.status).toBe(200);
    expect(created.body).toStrictEqual(await held(created.body.id));

    const retrieved = await http(t, 'GET', `/v1/environments/${created.body.id}`);
    expect(retrieved.status).toBe(200);
    expect(retrieved.body).toStrictEqual(await held(created.body.id));
    expect(retrieved.body.config.networking).toEqual(fullyPopulated().config.networking);
    expect(retrieved.body.config.packages).toEqual(fullyPopulated().config.packages);
    expect(retrieved.body.metadata).toEqual(fullyPopulated().metadata);
    expect(retrieved.body.description).toBe(fullyPopulated().description);

    const updated = await http(t, 'POST', `/v1/environments/${created.body.id}`, { body: { metadata: { extra: 'added' } } });
    expect(updated.status).toBe(200);
    expect(updated.body).toStrictEqual(await held(created.body.id));
    expect(updated.body.metadata.extra).toBe('added');

    const archived = await http(t, 'POST', `/v1/environments/${created.body.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.archived_at).toEqual(expect.any(String));
    expect(archived.body).toStrictEqual(await held(created.body.id));

    const first = await http(t, 'GET', `/v1/environments/${created.body.id}?version=1`);
    expect(first.body).toStrictEqual(await held(created.body.id, 1));
  });

  it('a self-hosted environment and the list answer every field as held', async () => {
    const selfHosted = await http(t, 'POST', '/v1/environments', { body: { name: uniqueName('self'), config: { type: 'self_hosted' } } });
    expect(selfHosted.status).toBe(200);
    expect(selfHosted.body).toStrictEqual(await held(selfHosted.body.id));

    const principal = await t.app.get(ApiKeysService).authenticate(t.key);
    const page = await http(t, 'GET', '/v1/environments?limit=1&include_archived=true');
    const heldPage = await t.app.get(QueryBus).execute(new ListEnvironmentsQuery(principal!.organizationId, 1, null, true));
    expect(page.body).toStrictEqual(heldPage);
    expect(page.body.next_page).toEqual(expect.any(String));
  });

  it('errors keep their envelope, not the 200 schema', async () => {
    const missing = await http(t, 'GET', '/v1/environments/env_000000000000000000000000');
    expectError(missing, 404, 'not_found_error');
    expect(missing.body.request_id).toBe(missing.headers.get('request-id'));
    expectError(await http(t, 'GET', '/v1/environments?limit=0'), 400, 'invalid_request_error');
    expectError(await http(t, 'POST', '/v1/environments', { body: { name: '' } }), 400, 'invalid_request_error');
    const deleted = await http(t, 'DELETE', `/v1/environments/${(await http(t, 'POST', '/v1/environments', { body: { name: uniqueName('gone') } })).body.id}`);
    expect(deleted.body).toStrictEqual({ id: expect.any(String), type: 'environment_deleted' });
    expectError(await http(t, 'DELETE', `/v1/environments/${deleted.body.id}`), 404, 'not_found_error');
  });
});
