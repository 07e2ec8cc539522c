import { expectError, expectNotFound, NO_DETAILS } from '../support/envelope';
import {
  Client,
  createEnvironment,
  DEFAULT_CONFIG,
  EMPTY_PACKAGES,
  ENV_ID,
  ENVIRONMENT_KEYS,
  expectTimestamp,
  freshOrganization as freshOrganizationOf,
  fullEnvironment,
  fullEnvironmentAnswer,
  uniqueName,
} from '../support/fixtures';
import { listOrder } from '../support/ordering';
import { allPages, decodeCursor } from '../support/paging';
import { http, HttpResult, TestApp, withTestApp } from '../support/test-app';

/**
 * Every endpoint of the API (docs/api.md) over real HTTP, as a user
 * of the API sees it: create, retrieve (also `?version=N`), update with its
 * merge semantics and If-Match, list with its cursor pagination, archive and
 * delete. Each test makes its own environments (unique names) and, where it
 * counts them, its own organization.
 */

describe('Environments API endpoints', () => {
  let t: TestApp;
  const unique = uniqueName;

  withTestApp((app) => (t = app));

  const freshOrganization = (): Promise<Client> => freshOrganizationOf(t);

  const create = (body: Record<string, unknown> = {}, client: Client = t): Promise<any> => createEnvironment(client, body);

  async function retrieve(id: string, client: Client = t): Promise<any> {
    const response = await http(client, 'GET', `/v1/environments/${id}`);
    expect(response.status).toBe(200);
    return response.body;
  }

  async function update(id: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    return http(t, 'POST', `/v1/environments/${id}`, { body, headers });
  }

  async function updateOk(id: string, body: unknown): Promise<any> {
    const response = await update(id, body);
    expect(response.status).toBe(200);
    return response.body;
  }

  async function listAll(client: Client, query = ''): Promise<any[]> {
    const response = await http(client, 'GET', `/v1/environments?limit=100${query}`);
    expect(response.status).toBe(200);
    return response.body.data;
  }

  // ---------------------------------------------------------------- create

  describe('create (POST /v1/environments)', () => {
    it('applies the defaults and answers with exactly the keys of the Environment object', async () => {
      const name = unique('defaults');
      const response = await http(t, 'POST', '/v1/environments', { body: { name } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const env = response.body;
      expect(Object.keys(env).sort()).toEqual(ENVIRONMENT_KEYS);
      expect(env).toEqual({
        id: expect.stringMatching(ENV_ID),
        type: 'environment',
        name,
        description: null,
        config: DEFAULT_CONFIG,
        metadata: {},
        scope: 'organization',
        version: 1,
        archived_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(Object.keys(env.config.packages).sort()).toEqual(['apt', 'cargo', 'gem', 'go', 'npm', 'pip', 'type']);
      expectTimestamp(env.created_at);
      expect(env.updated_at).toBe(env.created_at);
      expect(response.headers.get('etag')).toBe('"1"');
    });

    it('stores every field sent, normalizing allowed hosts', async () => {
      const name = unique('all-fields');
      const response = await http(t, 'POST', '/v1/environments', { body: fullEnvironment(name) });
      expect(response.status).toBe(200);
      const env = response.body;
      expect(Object.keys(env).sort()).toEqual(ENVIRONMENT_KEYS);
      expect(env).toEqual(fullEnvironmentAnswer(name));
      expectTimestamp(env.created_at);
      expect(env.updated_at).toBe(env.created_at);
      expect(response.headers.get('etag')).toBe('"1"');
      // What create answered is what retrieve shows.
      expect(await retrieve(env.id)).toEqual(env);
    });

    it('creates a self_hosted environment', async () => {
      const env = await create({ config: { type: 'self_hosted' } });
      expect(env.config).toEqual({ type: 'self_hosted' });
    });

    it('takes the default for fields sent as null and stores description "" as ""', async () => {
      const env = await create({ description: '', config: null, metadata: null, scope: null });
      expect(env.description).toBe('');
      expect(env.config).toEqual(DEFAULT_CONFIG);
      expect(env.metadata).toEqual({});
      expect(env.scope).toBe('organization');
      const nested = await create({
        description: null,
        config: { type: 'cloud', networking: null, packages: { type: 'packages', pip: null, npm: ['left-pad'] } },
      });
      expect(nested.description).toBeNull();
      expect(nested.config).toEqual({
        type: 'cloud',
        networking: { type: 'unrestricted' },
        packages: { ...EMPTY_PACKAGES, npm: ['left-pad'] },
      });
    });

    it('defaults the omitted fields of a limited networking object to [], false, false', async () => {
      const env = await create({ config: { type: 'cloud', networking: { type: 'limited' } } });
      expect(env.config.networking).toEqual({
        type: 'limited',
        allowed_hosts: [],
        allow_mcp_servers: false,
        allow_package_managers: false,
      });
      expect(env.config.packages).toEqual(EMPTY_PACKAGES);
      // Also when packages are sent with a manager set to null.
      const withPackages = await create({ config: { type: 'cloud', networking: { type: 'limited' }, packages: { pip: null } } });
      expect(withPackages.config.networking).toEqual({
        type: 'limited',
        allowed_hosts: [],
        allow_mcp_servers: false,
        allow_package_managers: false,
      });
    });

    it('normalizes allowed hosts: lower-cased (wildcards too), de-duplicated, first seen first', async () => {
      const env = await create({
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: ['B.example.com', '*.Example.org', 'b.EXAMPLE.com', '10.0.0.1', '::1'] },
        },
      });
      expect(env.config.networking.allowed_hosts).toEqual(['b.example.com', '*.example.org', '10.0.0.1', '::1']);
    });

    it('trims the name', async () => {
      const name = unique('trimmed');
      const env = await create({ name: `   ${name}\t ` });
      expect(env.name).toBe(name);
    });

    it('gives every environment a distinct id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 10; i++) ids.add((await create()).id);
      expect(ids.size).toBe(10);
      for (const id of ids) expect(id).toMatch(ENV_ID);
    });
  });

  // ---------------------------------------------------------------- retrieve

  describe('retrieve (GET /v1/environments/{id})', () => {
    it('returns the current environment with its ETag', async () => {
      const created = await create({ description: 'to retrieve', metadata: { a: 'b' } });
      const response = await http(t, 'GET', `/v1/environments/${created.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(created);
      expect(response.headers.get('etag')).toBe('"1"');
      const updated = await updateOk(created.id, { description: 'changed' });
      const again = await http(t, 'GET', `/v1/environments/${created.id}`);
      expect(again.body).toEqual(updated);
      expect(again.headers.get('etag')).toBe('"2"');
    });

    it('?version=N returns the environment as of version N', async () => {
      const v1 = await create({ description: 'first', metadata: { stage: 'one' } });
      const v2 = await updateOk(v1.id, { description: 'second' });
      const v3 = await updateOk(v1.id, {
        metadata: { stage: 'three' },
        config: { type: 'cloud', packages: { pip: ['requests'] } },
      });
      const archived = await http(t, 'POST', `/v1/environments/${v1.id}/archive`);
      expect(archived.status).toBe(200);
      const v4 = archived.body;
      expect([v1.version, v2.version, v3.version, v4.version]).toEqual([1, 2, 3, 4]);

      for (const expected of [v1, v2, v3, v4]) {
        const response = await http(t, 'GET', `/v1/environments/${v1.id}?version=${expected.version}`);
        expect(response.status).toBe(200);
        expect(response.body).toEqual(expected);
        expect(Object.keys(response.body).sort()).toEqual(ENVIRONMENT_KEYS);
      }
      // Without ?version: the latest.
      expect(await retrieve(v1.id)).toEqual(v4);
    });

    it.each(['0', '-1', '1.5', 'abc', '', '0x1', 'one'])('?version=%p is a 400', async (version) => {
      const env = await create();
      const response = await http(t, 'GET', `/v1/environments/${env.id}?version=${encodeURIComponent(version)}`);
      expectError(response, 400, 'invalid_request_error', NO_DETAILS);
      expect(response.body.error.message).toMatch(/version/);
    });

    it('?version beyond the latest is a 404', async () => {
      const env = await create();
      await updateOk(env.id, { description: 'v2' });
      expectNotFound(await http(t, 'GET', `/v1/environments/${env.id}?version=3`), 'environment_not_found');
      expectNotFound(await http(t, 'GET', `/v1/environments/${env.id}?version=999999`), 'environment_not_found');
      // The environment itself is untouched.
      expect((await retrieve(env.id)).version).toBe(2);
    });
  });

  // ---------------------------------------------------------------- update

  describe('update (POST /v1/environments/{id}): merge semantics', () => {
    /** An environment with every field set to something not default. */
    async function rich(): Promise<any> {
      return create({
        description: 'rich environment',
        config: {
          type: 'cloud',
          networking: {
            type: 'limited',
            allowed_hosts: ['api.example.com', 'pypi.org'],
            allow_mcp_servers: true,
            allow_package_managers: true,
          },
          packages: { type: 'packages', apt: ['curl'], npm: ['zod'], pip: ['pandas', 'numpy'] },
        },
        metadata: { team: 'ml', owner: 'ada', tier: 'gold' },
      });
    }

    /** The user-visible fields that an update may change, to compare "everything else". */
    function fields(env: any) {
      const { name, description, config, metadata, scope, id, created_at, archived_at, type } = env;
      return { name, description, config, metadata, scope, id, created_at, archived_at, type };
    }

    it('preserves every omitted field', async () => {
      const before = await rich();
      const response = await update(before.id, { description: 'only this changes' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        ...before,
        description: 'only this changes',
        version: 2,
        updated_at: expect.any(String),
      });
      expectTimestamp(response.body.updated_at);
      expect(response.body.updated_at >= before.updated_at).toBe(true);
      expect(response.headers.get('etag')).toBe('"2"');
      expect(await retrieve(before.id)).toEqual(response.body);
    });

    it('renames, trims the new name, and treats name null as "preserve"', async () => {
      const before = await rich();
      const newName = unique('renamed');
      const renamed = await updateOk(before.id, { name: `  ${newName}  ` });
      expect(renamed.name).toBe(newName);
      expect(renamed.version).toBe(2);
      const same = await updateOk(before.id, { name: null, description: 'desc 2' });
      expect(same.name).toBe(newName);
      expect(same.description).toBe('desc 2');
      expect(same.version).toBe(3);
    });

    it('description: null clears it, "" is stored as "", omitted preserves', async () => {
      const before = await rich();
      const cleared = await updateOk(before.id, { description: null });
      expect(cleared.description).toBeNull();
      expect(cleared.version).toBe(2);
      const preserved = await updateOk(before.id, { metadata: { extra: 'x' } });
      expect(preserved.description).toBeNull();
      const empty = await updateOk(before.id, { description: '' });
      expect(empty.description).toBe('');
      expect(empty.version).toBe(4);
      expect((await retrieve(before.id)).description).toBe('');
    });

    it('metadata is a patch: null and "" delete, others upsert, keys not sent stay', async () => {
      const before = await rich(); // { team: 'ml', owner: 'ada', tier: 'gold' }
      const after = await updateOk(before.id, { metadata: { team: null, owner: '', tier: 'platinum', region: 'eu' } });
      expect(after.metadata).toEqual({ tier: 'platinum', region: 'eu' });
      expect(after.version).toBe(2);
      expect(fields(after)).toEqual({ ...fields(before), metadata: { tier: 'platinum', region: 'eu' } });
      // metadata omitted or null: unchanged.
      const kept = await updateOk(before.id, { metadata: null, description: 'x' });
      expect(kept.metadata).toEqual({ tier: 'platinum', region: 'eu' });
      // An empty patch changes nothing.
      const emptyPatch = await updateOk(before.id, { metadata: {} });
      expect(emptyPatch.version).toBe(kept.version);
      expect(emptyPatch.updated_at).toBe(kept.updated_at);
    });

    it('deleting a metadata key that does not exist changes nothing and records no version', async () => {
      const before = await create({ metadata: { keep: 'me' } });
      const response = await update(before.id, { metadata: { ghost: null, phantom: '' } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(before);
      expect(response.headers.get('etag')).toBe('"1"');
      expect(await retrieve(before.id)).toEqual(before);
    });

    it('applies the metadata limits to the merged result', async () => {
      const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, `v${i}`]));
      const before = await create({ metadata: sixteen });
      // Deleting one and adding one in the same patch stays at 16: allowed.
      const swapped = await updateOk(before.id, { metadata: { k0: null, fresh: 'yes' } });
      expect(Object.keys(swapped.metadata)).toHaveLength(16);
      expect(swapped.metadata.fresh).toBe('yes');
      expect(swapped.metadata).not.toHaveProperty('k0');
      // Adding a 17th is not.
      const tooMany = await update(before.id, { metadata: { another: 'no' } });
      expectError(tooMany, 400, 'invalid_request_error', 'invalid_metadata');
      expect(await retrieve(before.id)).toEqual(swapped);
    });

    it('config.packages: each manager sent replaces its list, [] clears, omitted and null are unchanged', async () => {
      const before = await rich(); // apt [curl], npm [zod], pip [pandas, numpy]
      const after = await updateOk(before.id, {
        config: { type: 'cloud', packages: { type: 'packages', pip: ['scikit-learn'], npm: [], apt: null } },
      });
      expect(after.config.packages).toEqual({
        type: 'packages',
        apt: ['curl'],
        cargo: [],
        gem: [],
        go: [],
        npm: [],
        pip: ['scikit-learn'],
      });
      expect(after.config.networking).toEqual(before.config.networking);
      expect(fields(after)).toEqual({ ...fields(before), config: { ...before.config, packages: after.config.packages } });
      // packages without its "type" works too.
      const gem = await updateOk(before.id, { config: { type: 'cloud', packages: { gem: ['rake'] } } });
      expect(gem.config.packages).toEqual({ ...after.config.packages, gem: ['rake'] });
    });

    it('config.packages omitted or null leaves packages unchanged (sending only networking)', async () => {
      const before = await rich();
      const after = await updateOk(before.id, {
        config: { type: 'cloud', packages: null, networking: { type: 'limited', allow_mcp_servers: false } },
      });
      expect(after.config.packages).toEqual(before.config.packages);
      const again = await updateOk(before.id, {
        config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['example.org'] } },
      });
      expect(again.config.packages).toEqual(before.config.packages);
    });

    it('config.networking with the same type: fields omitted or null are preserved, sent ones replaced', async () => {
      const before = await rich();
      const after = await updateOk(before.id, {
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: ['New.Example.com', 'new.example.com'], allow_mcp_servers: null },
        },
      });
      expect(after.config.networking).toEqual({
        type: 'limited',
        allowed_hosts: ['new.example.com'],
        allow_mcp_servers: true,
        allow_package_managers: true,
      });
      expect(after.config.packages).toEqual(before.config.packages);
      const flags = await updateOk(before.id, {
        config: { type: 'cloud', networking: { type: 'limited', allow_mcp_servers: false } },
      });
      expect(flags.config.networking).toEqual({
        type: 'limited',
        allowed_hosts: ['new.example.com'],
        allow_mcp_servers: false,
        allow_package_managers: true,
      });
    });

    it('config.networking null or omitted leaves networking unchanged', async () => {
      const before = await rich();
      const after = await updateOk(before.id, { config: { type: 'cloud', networking: null, packages: { go: ['x'] } } });
      expect(after.config.networking).toEqual(before.config.networking);
      const onlyType = await update(before.id, { config: { type: 'cloud' } });
      expect(onlyType.status).toBe(200);
      expect(onlyType.body).toEqual(after); // nothing changed: no version either
    });

    it('config.networking with another type is replaced, omitted fields taking their create defaults', async () => {
      const before = await rich();
      const open = await updateOk(before.id, { config: { type: 'cloud', networking: { type: 'unrestricted' } } });
      expect(open.config.networking).toEqual({ type: 'unrestricted' });
      expect(open.config.packages).toEqual(before.config.packages);
      expect(open.version).toBe(2);
      // Back to limited: the old hosts and flags are not resurrected.
      const plain = await create();
      const limited = await updateOk(plain.id, {
        config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['only.example.com'] } },
      });
      expect(limited.config.networking).toEqual({
        type: 'limited',
        allowed_hosts: ['only.example.com'],
        allow_mcp_servers: false,
        allow_package_managers: false,
      });
      const reopened = await updateOk(before.id, {
        config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } },
      });
      expect(reopened.config.networking).toEqual({
        type: 'limited',
        allowed_hosts: [],
        allow_mcp_servers: false,
        allow_package_managers: true,
      });
    });

    it('checks the merged result: switching to limited with packages needs allow_package_managers', async () => {
      const before = await create({ config: { type: 'cloud', packages: { pip: ['pandas'] } } });
      const response = await update(before.id, { config: { type: 'cloud', networking: { type: 'limited' } } });
      expectError(response, 400, 'invalid_request_error');
      expect(await retrieve(before.id)).toEqual(before);
      const ok = await updateOk(before.id, {
        config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } },
      });
      expect(ok.config.packages.pip).toEqual(['pandas']);
    });

    it('a self_hosted environment accepts config {type: "self_hosted"} as a no-op', async () => {
      const before = await create({ config: { type: 'self_hosted' } });
      const response = await update(before.id, { config: { type: 'self_hosted' } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(before);
    });

    it('an update that changes nothing returns 200 with the same version and updated_at', async () => {
      const before = await rich();
      const bodies: unknown[] = [
        {},
        { name: before.name },
        { name: `  ${before.name} ` },
        { description: before.description },
        { metadata: { team: 'ml' } },
        { scope: 'organization' },
        { config: { type: 'cloud', packages: { pip: ['pandas', 'numpy'] } } },
        { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['API.example.com', 'pypi.org'] } } },
        {
          name: null,
          description: before.description,
          config: { type: 'cloud', networking: null, packages: null },
          metadata: { team: 'ml', owner: 'ada', tier: 'gold', missing: null },
        },
      ];
      for (const body of bodies) {
        const response = await update(before.id, body);
        expect(response.status).toBe(200);
        expect(response.body).toEqual(before);
        expect(response.headers.get('etag')).toBe('"1"');
      }
      expect(await retrieve(before.id)).toEqual(before);
      const versions = await http(t, 'GET', `/v1/environments/${before.id}/versions`);
      expect(versions.body.data).toHaveLength(1);
    });

    it('If-Match with the current version applies the update', async () => {
      const before = await create();
      const response = await update(before.id, { description: 'guarded' }, { 'if-match': '"1"' });
      expect(response.status).toBe(200);
      expect(response.body.description).toBe('guarded');
      expect(response.body.version).toBe(2);
      expect(response.headers.get('etag')).toBe('"2"');
      // The ETag of the answer is the If-Match of the next update.
      const next = await update(before.id, { description: 'guarded again' }, { 'if-match': response.headers.get('etag')! });
      expect(next.status).toBe(200);
      expect(next.body.version).toBe(3);
    });

    it('If-Match with another version is a 412 version_mismatch that changes nothing', async () => {
      const before = await create({ description: 'original' });
      const changed = await updateOk(before.id, { description: 'v2' }); // now at version 2
      for (const stale of ['"1"', '"3"', '"99"']) {
        const response = await update(before.id, { description: 'lost' }, { 'if-match': stale });
        expectError(response, 412, 'invalid_request_error', 'version_mismatch');
        expect(response.headers.get('x-should-retry')).toBe('false');
        expect(await retrieve(before.id)).toEqual(changed);
      }
    });
  });

  // ---------------------------------------------------------------- list

  describe('list (GET /v1/environments)', () => {
    /** Creates `count` environments in a fresh organization, one after another; returns them in list order (newest first, ties by id). */
    async function organizationWith(count: number): Promise<{ client: Client; envs: any[] }> {
      const client = await freshOrganization();
      const envs: any[] = [];
      for (let i = 0; i < count; i++) envs.push(await create({ name: unique(`list-${i}`) }, client));
      return { client, envs: envs.sort(listOrder) };
    }

    let org25: { client: Client; envs: any[] };
    beforeAll(async () => {
      org25 = await organizationWith(25);
    });

    it('returns 20 environments by default, newest first, then the rest', async () => {
      const first = await http(org25.client, 'GET', '/v1/environments');
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(['data', 'next_page']);
      expect(first.body.data).toHaveLength(20);
      for (const env of first.body.data) expect(Object.keys(env).sort()).toEqual(ENVIRONMENT_KEYS);
      expect(first.body.data.map((e: any) => e.id)).toEqual(org25.envs.slice(0, 20).map((e) => e.id));
      expect(first.body.data).toEqual(org25.envs.slice(0, 20));
      const second = await http(org25.client, 'GET', `/v1/environments?page=${first.body.next_page}`);
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ data: org25.envs.slice(20) });
      expect(second.body).not.toHaveProperty('next_page');
    });

    it('accepts limit 1 and 100', async () => {
      const one = await http(org25.client, 'GET', '/v1/environments?limit=1');
      expect(one.status).toBe(200);
      expect(one.body.data).toHaveLength(1);
      expect(one.body.data[0].id).toBe(org25.envs[0].id);
      expect(typeof one.body.next_page).toBe('string');
      const hundred = await http(org25.client, 'GET', '/v1/environments?limit=100');
      expect(hundred.status).toBe(200);
      expect(hundred.body).toEqual({ data: org25.envs });
    });

    it.each(['0', '101', '-1', '1.5', 'abc', '', '10abc', '1000', 'null', 'true'])(
      'limit=%p is a 400',
      async (limit) => {
        const response = await http(t, 'GET', `/v1/environments?limit=${encodeURIComponent(limit)}`);
        expectError(response, 400, 'invalid_request_error', NO_DETAILS);
        expect(response.body.error.message).toMatch(/limit/);
      },
    );

    it('a page that has next_page holds exactly limit items; walking all pages returns each environment once', async () => {
      for (const limit of [1, 3, 7, 24, 25, 26]) {
        const seen = await allPages(org25.client, '/v1/environments', limit);
        expect(seen.map((e) => e.id)).toEqual(org25.envs.map((e) => e.id));
      }
    });

    it('leaves next_page out when the results end exactly at a page boundary', async () => {
      const { client, envs } = await organizationWith(6);
      const first = await http(client, 'GET', '/v1/environments?limit=3');
      expect(first.body.data).toHaveLength(3);
      expect(typeof first.body.next_page).toBe('string');
      const second = await http(client, 'GET', `/v1/environments?limit=3&page=${first.body.next_page}`);
      expect(second.status).toBe(200);
      expect(second.body.data.map((e: any) => e.id)).toEqual(envs.slice(3).map((e) => e.id));
      expect(second.body).not.toHaveProperty('next_page');
      const exact = await http(client, 'GET', '/v1/environments?limit=6');
      expect(exact.body.data).toHaveLength(6);
      expect(exact.body).not.toHaveProperty('next_page');
      const empty = await freshOrganization();
      const none = await http(empty, 'GET', '/v1/environments');
      expect(none.status).toBe(200);
      expect(none.body).toEqual({ data: [] });
    });

    it('orders by created_at descending, then id descending (bytewise), also for environments created together', async () => {
      const client = await freshOrganization();
      const created: any[] = [];
      for (let round = 0; round < 3; round++) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, (_, i) => http(client, 'POST', '/v1/environments', { body: { name: unique(`burst-${round}-${i}`) } })),
        );
        for (const response of batch) {
          expect(response.status).toBe(200);
          created.push(response.body);
        }
      }
      const expected = [...created].sort(listOrder).map((e) => e.id);
      const listed = await listAll(client);
      expect(listed.map((e) => e.id)).toEqual(expected);
      // And page by page, with positions that may fall between ties.
      const walked = await allPages(client, '/v1/environments', 4);
      expect(walked.map((e) => e.id)).toEqual(expected);
    });

    it('next_page is "page_" + base64url of a small JSON position', async () => {
      const response = await http(org25.client, 'GET', '/v1/environments?limit=2');
      const cursor: string = response.body.next_page;
      const position = decodeCursor(cursor);
      // The position of the last item of the page: its created_at and id.
      const last = response.body.data[1];
      expect(position).toEqual({ c: last.created_at, i: last.id });
      expect(position).not.toBeNull();
      expect(typeof position).toBe('object');
      expect(Array.isArray(position)).toBe(false);
      expect(cursor.length).toBeLessThan(300);
    });

    it('include_archived: hidden by default and with false, shown with true; any other value is a 400', async () => {
      const client = await freshOrganization();
      const kept = await create({}, client);
      const archived = await create({}, client);
      const archive = await http(client, 'POST', `/v1/environments/${archived.id}/archive`);
      expect(archive.status).toBe(200);
      expect((await listAll(client)).map((e) => e.id)).toEqual([kept.id]);
      expect((await listAll(client, '&include_archived=false')).map((e) => e.id)).toEqual([kept.id]);
      const all = await listAll(client, '&include_archived=true');
      expect(all.map((e) => e.id)).toEqual([archived.id, kept.id]);
      expect(all[0]).toEqual(archive.body);
      for (const value of ['yes', 'maybe', 'TRUE!', 'null']) {
        const response = await http(client, 'GET', `/v1/environments?include_archived=${encodeURIComponent(value)}`);
        expectError(response, 400, 'invalid_request_error', NO_DETAILS);
        expect(response.body.error.message).toMatch(/include_archived/);
      }
    });

    describe('malformed, truncated or tampered cursors are a 400, never a 500', () => {
      const b64 = (text: string) => 'page_' + Buffer.from(text).toString('base64url');
      const VALID_TS = '2026-05-29T10:00:00.000Z';

      async function expectInvalidCursor(cursor: string): Promise<void> {
        const response = await http(org25.client, 'GET', `/v1/environments?page=${encodeURIComponent(cursor)}`);
        expect({ cursor, status: response.status }).toEqual({ cursor, status: 400 });
        expectError(response, 400, 'invalid_request_error', NO_DETAILS);
        expect(response.body.error.message).toMatch(/cursor/i);
        expect(response.body.error.message).toMatch(/Invalid page cursor/);
      }

      it.each([
        ['no prefix', 'garbage'],
        ['prefix only', 'page_'],
        ['not base64url', 'page_!!!$$$'],
        ['base64 padding and symbols', 'page_eyJ+/==='],
        ['not JSON', b64('not json')],
        ['a JSON array', b64('[]')],
        ['a JSON string', b64('"x"')],
        ['JSON null', b64('null')],
        ['an empty object', b64('{}')],
        ['c not a timestamp', b64(JSON.stringify({ c: 'yesterday', i: 'env_abc' }))],
        ['c a number', b64(JSON.stringify({ c: 1748512800000, i: 'env_abc' }))],
        ['i a number', b64(JSON.stringify({ c: VALID_TS, i: 12 }))],
        ['i with SQL in it', b64(JSON.stringify({ c: VALID_TS, i: "env_x' OR '1'='1" }))],
        ['i missing', b64(JSON.stringify({ c: VALID_TS }))],
        ['an extra field', b64(JSON.stringify({ c: VALID_TS, i: 'env_abc', x: 1 }))],
        ['an impossible date', b64(JSON.stringify({ c: '2026-02-30T10:00:00.000Z', i: 'env_abc' }))],
        ['month 13', b64(JSON.stringify({ c: '2026-13-01T10:00:00.000Z', i: 'env_abc' }))],
        ['a huge cursor', b64(JSON.stringify({ c: VALID_TS, i: 'env_' + 'a'.repeat(5000) }))],
      ])('%s', async (_what, cursor) => {
        await expectInvalidCursor(cursor);
      });

      it('a well-formed position at the edge of the calendar is a 400 or an empty page, never a 5xx', async () => {
        // Year 0000 is valid RFC 3339, so a service may take it as a position (nothing lies before it) or refuse it.
        for (const c of ['0000-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
          const cursor = b64(JSON.stringify({ c, i: 'env_abc' }));
          const response = await http(org25.client, 'GET', `/v1/environments?page=${encodeURIComponent(cursor)}`);
          expect({ c, serverError: response.status >= 500, body: response.status >= 500 ? response.body : null }).toEqual({
            c,
            serverError: false,
            body: null,
          });
          if (response.status === 200) {
            expect(response.body.data).toEqual(c.startsWith('9999') ? org25.envs.slice(0, 20) : []);
          } else {
            expectError(response, 400, 'invalid_request_error');
          }
        }
      });

      it('every truncation of a real cursor', async () => {
        const real: string = (await http(org25.client, 'GET', '/v1/environments?limit=2')).body.next_page;
        for (let length = 0; length < real.length; length++) {
          const truncated = real.slice(0, length);
          if (truncated === '') continue; // an empty page parameter is "the first page"
          await expectInvalidCursor(truncated);
        }
      });

      it('a real cursor tampered with', async () => {
        const real: string = (await http(org25.client, 'GET', '/v1/environments?limit=2')).body.next_page;
        const position = decodeCursor(real) as Record<string, unknown>;
        const tampered = [
          real + '!',
          real.replace('page_', 'page-'),
          real.replace('page_', 'PAGE_'),
          'page_' + Buffer.from(Buffer.from(real.slice(5), 'base64url').toString('utf8').slice(0, -1)).toString('base64url'),
          b64(JSON.stringify(Object.fromEntries(Object.entries(position).map(([k, v]) => [k + 'x', v])))),
          b64(JSON.stringify(Object.fromEntries(Object.entries(position).map(([k, v]) => [k, typeof v === 'string' ? v + '\u0000' : v])))),
          b64(JSON.stringify(Object.fromEntries(Object.entries(position).map(([k, v]) => [k, [v]])))),
          b64(JSON.stringify(Object.fromEntries(Object.entries(position).map(([k]) => [k, null])))),
          b64(JSON.stringify(Object.fromEntries(Object.entries(position).map(([k]) => [k, { $gt: '' }])))),
        ];
        for (const cursor of tampered) await expectInvalidCursor(cursor);
      });

      it('flipping any single character of a real cursor never causes a 5xx', async () => {
        // A flip can also produce another well-formed position: that is a valid cursor, and may be a 200.
        const real: string = (await http(org25.client, 'GET', '/v1/environments?limit=2')).body.next_page;
        const alphabet = 'AZaz09-_';
        for (let i = 5; i < real.length; i++) {
          const replacement = alphabet[i % alphabet.length] === real[i] ? 'Q' : alphabet[i % alphabet.length];
          const cursor = real.slice(0, i) + replacement + real.slice(i + 1);
          const response = await http(org25.client, 'GET', `/v1/environments?page=${encodeURIComponent(cursor)}`);
          expect({ cursor, status: response.status < 500 }).toEqual({ cursor, status: true });
          if (response.status !== 200) expectError(response, 400, 'invalid_request_error');
        }
      });
    });

    it('ignores ?beta=true and unknown query parameters', async () => {
      const plain = await http(org25.client, 'GET', '/v1/environments?limit=5');
      const extra = await http(org25.client, 'GET', '/v1/environments?limit=5&beta=true&foo=bar&order=asc&x%5By%5D=1');
      expect(extra.status).toBe(200);
      expect(extra.body).toEqual(plain.body);
      const beta = await http(org25.client, 'GET', '/v1/environments?beta=true');
      expect(beta.status).toBe(200);
      expect(beta.body.data).toHaveLength(20);
      const next = await http(org25.client, 'GET', `/v1/environments?beta=true&page=${beta.body.next_page}`);
      expect(next.body).toEqual({ data: org25.envs.slice(20) });
    });
  });

  describe('?beta=true on the other endpoints', () => {
    it('is accepted and ignored by create, retrieve, update, archive and delete', async () => {
      const name = unique('beta');
      const created = await http(t, 'POST', '/v1/environments?beta=true', { body: { name } });
      expect(created.status).toBe(200);
      expect(created.body.name).toBe(name);
      const id = created.body.id;
      expect((await http(t, 'GET', `/v1/environments/${id}?beta=true`)).body).toEqual(created.body);
      const updated = await http(t, 'POST', `/v1/environments/${id}?beta=true&unknown=1`, { body: { description: 'b' } });
      expect(updated.status).toBe(200);
      expect(updated.body.description).toBe('b');
      const archived = await http(t, 'POST', `/v1/environments/${id}/archive?beta=true`);
      expect(archived.status).toBe(200);
      expect(archived.body.archived_at).not.toBeNull();
      const deleted = await http(t, 'DELETE', `/v1/environments/${id}?beta=true`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ id, type: 'environment_deleted' });
    });
  });

  // ---------------------------------------------------------------- archive

  describe('archive (POST /v1/environments/{id}/archive)', () => {
    it('sets archived_at and updated_at and records a version', async () => {
      const before = await create({ description: 'to archive', metadata: { a: '1' } });
      const response = await http(t, 'POST', `/v1/environments/${before.id}/archive`);
      expect(response.status).toBe(200);
      const env = response.body;
      expect(Object.keys(env).sort()).toEqual(ENVIRONMENT_KEYS);
      expectTimestamp(env.archived_at);
      expect(env.updated_at).toBe(env.archived_at);
      expect(env.archived_at >= before.created_at).toBe(true);
      expect(env).toEqual({ ...before, archived_at: env.archived_at, updated_at: env.updated_at, version: 2 });
      expect(response.headers.get('etag')).toBe('"2"');
      expect(await retrieve(before.id)).toEqual(env);
    });

    it('archiving again returns it unchanged with the same version', async () => {
      const before = await create();
      const first = await http(t, 'POST', `/v1/environments/${before.id}/archive`);
      const second = await http(t, 'POST', `/v1/environments/${before.id}/archive`);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      expect(second.body.version).toBe(2);
      expect(second.headers.get('etag')).toBe('"2"');
      const versions = await http(t, 'GET', `/v1/environments/${before.id}/versions`);
      expect(versions.body.data).toHaveLength(2);
    });

    it('an archived environment stays retrievable, keeps its name, and is listed only with include_archived=true', async () => {
      const client = await freshOrganization();
      const name = unique('archived-name');
      const env = await create({ name }, client);
      const archived = await http(client, 'POST', `/v1/environments/${env.id}/archive`);
      expect(archived.status).toBe(200);
      expect(await retrieve(env.id, client)).toEqual(archived.body);
      expect(archived.body.name).toBe(name);
      const taken = await http(client, 'POST', '/v1/environments', { body: { name } });
      expectError(taken, 409, 'conflict_error', 'environment_name_taken');
      expect(taken.headers.get('x-should-retry')).toBe('false');
      expect(await listAll(client)).toEqual([]);
      expect(await listAll(client, '&include_archived=true')).toEqual([archived.body]);
    });

    it('an archived environment cannot be updated: 400 environment_archived, nothing changes', async () => {
      const env = await create();
      const archived = (await http(t, 'POST', `/v1/environments/${env.id}/archive`)).body;
      for (const body of [{ description: 'nope' }, { name: unique('nope') }, { metadata: { a: 'b' } }]) {
        const response = await update(env.id, body);
        expectError(response, 400, 'invalid_request_error', 'environment_archived');
        expect(await retrieve(env.id)).toEqual(archived);
      }
    });
  });

  // ---------------------------------------------------------------- delete

  describe('delete (DELETE /v1/environments/{id})', () => {
    it('returns {id, type: "environment_deleted"}; afterwards every operation is a 404', async () => {
      const client = await freshOrganization();
      const env = await create({}, client);
      const response = await http(client, 'DELETE', `/v1/environments/${env.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ id: env.id, type: 'environment_deleted' });

      expectNotFound(await http(client, 'GET', `/v1/environments/${env.id}`), 'environment_not_found');
      expectNotFound(await http(client, 'GET', `/v1/environments/${env.id}?version=1`), 'environment_not_found');
      expectNotFound(await http(client, 'POST', `/v1/environments/${env.id}`, { body: { description: 'x' } }), 'environment_not_found');
      expectNotFound(await http(client, 'POST', `/v1/environments/${env.id}/archive`), 'environment_not_found');
      expectNotFound(await http(client, 'DELETE', `/v1/environments/${env.id}`), 'environment_not_found');
      expect(await listAll(client)).toEqual([]);
      expect(await listAll(client, '&include_archived=true')).toEqual([]);
    });

    it('deletes an archived environment too: gone from list even with include_archived', async () => {
      const client = await freshOrganization();
      const env = await create({}, client);
      expect((await http(client, 'POST', `/v1/environments/${env.id}/archive`)).status).toBe(200);
      const response = await http(client, 'DELETE', `/v1/environments/${env.id}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ id: env.id, type: 'environment_deleted' });
      expect((await http(client, 'GET', `/v1/environments/${env.id}`)).status).toBe(404);
      expect(await listAll(client, '&include_archived=true')).toEqual([]);
    });

    it('frees the name for reuse (also of an archived environment)', async () => {
      const name = unique('reusable');
      const first = await create({ name });
      expect((await http(t, 'DELETE', `/v1/environments/${first.id}`)).status).toBe(200);
      const second = await create({ name });
      expect(second.name).toBe(name);
      expect(second.id).not.toBe(first.id);
      expect(second.version).toBe(1);

      const archivedName = unique('reusable-archived');
      const archived = await create({ name: archivedName });
      await http(t, 'POST', `/v1/environments/${archived.id}/archive`);
      expect((await http(t, 'DELETE', `/v1/environments/${archived.id}`)).status).toBe(200);
      expect((await create({ name: archivedName })).name).toBe(archivedName);
      // Renaming another environment to a freed name works as well.
      const freed = unique('freed');
      const victim = await create({ name: freed });
      await http(t, 'DELETE', `/v1/environments/${victim.id}`);
      const other = await create();
      expect((await updateOk(other.id, { name: freed })).name).toBe(freed);
    });

    it('leaves the other environments alone', async () => {
      const client = await freshOrganization();
      const a = await create({}, client);
      const b = await create({}, client);
      const c = await create({}, client);
      expect((await http(client, 'DELETE', `/v1/environments/${b.id}`)).status).toBe(200);
      expect(await listAll(client)).toEqual([c, a]);
    });
  });
});
