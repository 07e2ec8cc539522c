import { ANY_CODE, expectBadRequest, expectError, NO_DETAILS } from '../support/envelope';
import {
  Client,
  createEnvironment,
  freshOrganization as freshOrganizationOf,
  randomEnvironmentId,
  uniqueName,
} from '../support/fixtures';
import { int, pick, Rng, seededRandom } from '../support/random';
import { http, HttpResult, TestApp, withTestApp } from '../support/test-app';

/**
 * The error rows of docs/api.md over real HTTP: status,
 * envelope ({type:"error", error:{type, message, details?}, request_id}),
 * error codes and retry headers, and the rule that a 4xx never changes state
 * (every 4xx aimed at an existing environment is followed by a retrieve and a
 * look at its history). Ends with a small deterministic fuzz: no body,
 * however malformed, may produce a 5xx.
 */

describe('Environments API errors', () => {
  let t: TestApp;
  const unique = uniqueName;

  withTestApp((app) => (t = app));

  const freshOrganization = (): Promise<Client> => freshOrganizationOf(t);

  const create = (body: Record<string, unknown> = {}, client: Client = t): Promise<any> => createEnvironment(client, body);

  /** An environment with every field set. */
  async function rich(client: Client = t): Promise<any> {
    return create(
      {
        description: 'an environment to break',
        config: {
          type: 'cloud',
          networking: {
            type: 'limited',
            allowed_hosts: ['api.example.com'],
            allow_mcp_servers: true,
            allow_package_managers: true,
          },
          packages: { type: 'packages', pip: ['pandas'], npm: ['zod'] },
        },
        metadata: { team: 'ml', owner: 'ada' },
      },
      client,
    );
  }

  interface Snapshot {
    id: string;
    env: any;
    versions: any[];
  }

  /** What a user can see of one environment: its current state and its history. */
  async function snapshot(id: string, client: Client = t): Promise<Snapshot> {
    const env = await http(client, 'GET', `/v1/environments/${id}`);
    expect(env.status).toBe(200);
    const versions = await http(client, 'GET', `/v1/environments/${id}/versions?limit=100`);
    expect(versions.status).toBe(200);
    return { id, env: env.body, versions: versions.body.data.map((v: any) => v.id) };
  }

  async function expectUnchanged(before: Snapshot, client: Client = t): Promise<void> {
    const after = await snapshot(before.id, client);
    expect(after.env).toEqual(before.env);
    expect(after.env.version).toBe(before.env.version);
    expect(after.versions).toEqual(before.versions);
  }

  /** Every environment of the organization, archived ones too. */
  async function allIds(client: Client): Promise<string[]> {
    const response = await http(client, 'GET', '/v1/environments?limit=100&include_archived=true');
    expect(response.status).toBe(200);
    return response.body.data.map((e: any) => e.id);
  }

  /** A 400 invalid_request_error in the envelope (see test/support/envelope.ts for ANY_CODE and NO_DETAILS). */
  const expect400 = expectBadRequest;

  // ---------------------------------------------------------------- envelope

  describe('the error envelope', () => {
    it('is exactly {type, error:{type, message, details?}, request_id}, request_id being the request-id header', async () => {
      const env = await create();
      const cases: [HttpResult, number, string, string | typeof ANY_CODE | typeof NO_DETAILS][] = [
        [await http(t, 'POST', '/v1/environments', { body: '{"name":' }), 400, 'invalid_request_error', ANY_CODE],
        [
          await http(t, 'POST', '/v1/environments', { body: { name: unique('m'), metadata: { ['k'.repeat(65)]: 'v' } } }),
          400,
          'invalid_request_error',
          'invalid_metadata',
        ],
        [await http(t, 'GET', '/v1/environments', { key: null }), 401, 'authentication_error', NO_DETAILS],
        [await http(t, 'POST', '/v1/environments', { body: { name: env.name } }), 409, 'conflict_error', 'environment_name_taken'],
      ];
      for (const [response, status, type, code] of cases) expectError(response, status, type, code);
      const notFound = await http(t, 'GET', `/v1/environments/env_${'0'.repeat(24)}`);
      expectError(notFound, 404, 'not_found_error', ANY_CODE);
      // Each response has its own request id.
      const ids = new Set([...cases.map(([r]) => r.body.request_id), notFound.body.request_id]);
      expect(ids.size).toBe(cases.length + 1);
    });
  });

  // ---------------------------------------------------------------- 400

  describe('400 invalid_request_error', () => {
    const BAD_JSON = [
      '{"name":',
      '{"name": "x",}',
      "{'name': 'x'}",
      '{name: "x"}',
      'hello',
      '{"name":"x"} {"name":"y"}',
      '{"name":"x"',
      '{"name":"\\x"}',
      '[1, 2',
      'NaN',
    ];
    const NOT_AN_OBJECT = ['[]', '[{"name":"x"}]', '"x"', '42', 'null', 'true'];

    it('bad JSON and non-object bodies on create change nothing', async () => {
      const client = await freshOrganization();
      await create({}, client);
      const before = await allIds(client);
      for (const body of [...BAD_JSON, ...NOT_AN_OBJECT]) {
        const response = await http(client, 'POST', '/v1/environments', { body });
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect400(response, ANY_CODE);
      }
      expect(await allIds(client)).toEqual(before);
    });

    it('bad JSON and non-object bodies on update change nothing', async () => {
      const env = await rich();
      const before = await snapshot(env.id);
      for (const body of [...BAD_JSON, ...NOT_AN_OBJECT]) {
        const response = await http(t, 'POST', `/v1/environments/${env.id}`, { body });
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect400(response, ANY_CODE);
      }
      await expectUnchanged(before);
    });

    it.each([
      'foo',
      'id',
      'type',
      'version',
      'created_at',
      'archived_at',
      'Name',
      // Names of Object.prototype members are unknown fields like any other.
      'constructor',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '__defineGetter__',
    ])(
      'an unknown top-level field %p is rejected, naming it (create and update)',
      async (field) => {
        const client = await freshOrganization();
        const created = await http(client, 'POST', '/v1/environments', { body: { name: unique('u'), [field]: 'x' } });
        expect400(created, NO_DETAILS);
        expect(created.body.error.message).toContain(field);
        expect(await allIds(client)).toEqual([]);

        const env = await rich();
        const before = await snapshot(env.id);
        const updated = await http(t, 'POST', `/v1/environments/${env.id}`, { body: { description: 'new', [field]: 1 } });
        expect400(updated, NO_DETAILS);
        expect(updated.body.error.message).toContain(field);
        await expectUnchanged(before);
      },
    );

    /** Bodies whose types are wrong; each [label, body fields]. */
    const WRONG_TYPES: [string, Record<string, unknown>][] = [
      ['name a number', { name: 123 }],
      ['name a boolean', { name: true }],
      ['name an array', { name: ['a'] }],
      ['name an object', { name: { first: 'a' } }],
      ['description a number', { description: 5 }],
      ['description an array', { description: ['x'] }],
      ['description an object', { description: {} }],
      ['name an object with a "constructor" key', { name: { constructor: 'x' } }],
      ['description an object with a "constructor" key', { description: { constructor: 1 } }],
      ['name an array holding an object with a "constructor" key', { name: ['x', { constructor: 'x' }] }],
      ['metadata a string', { metadata: 'team=ml' }],
      ['metadata an array', { metadata: [['team', 'ml']] }],
      ['metadata a number', { metadata: 1 }],
      ['config a string', { config: 'cloud' }],
      ['config an array', { config: [{ type: 'cloud' }] }],
      ['config.type a number', { config: { type: 1 } }],
      ['config.type unknown', { config: { type: 'kubernetes' } }],
      ['config.networking a string', { config: { type: 'cloud', networking: 'limited' } }],
      ['config.networking an array', { config: { type: 'cloud', networking: [{ type: 'limited' }] } }],
      ['config.networking.type unknown', { config: { type: 'cloud', networking: { type: 'open' } } }],
      ['config.networking.type a number', { config: { type: 'cloud', networking: { type: 2 } } }],
      ['allowed_hosts a string', { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: 'a.com' } } }],
      ['allowed_hosts [number]', { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [5] } } }],
      ['allowed_hosts [null]', { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [null] } } }],
      ['allow_mcp_servers a string', { config: { type: 'cloud', networking: { type: 'limited', allow_mcp_servers: 'yes' } } }],
      ['allow_package_managers a number', { config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: 1 } } }],
      ['limited fields under unrestricted', { config: { type: 'cloud', networking: { type: 'unrestricted', allowed_hosts: ['a.com'] } } }],
      ['packages an array', { config: { type: 'cloud', packages: ['pandas'] } }],
      ['packages a string', { config: { type: 'cloud', packages: 'pandas' } }],
      ['packages.type unknown', { config: { type: 'cloud', packages: { type: 'pkgs' } } }],
      ['packages.pip a string', { config: { type: 'cloud', packages: { pip: 'pandas' } } }],
      ['packages.pip [number]', { config: { type: 'cloud', packages: { pip: [1] } } }],
      ['packages.pip [null]', { config: { type: 'cloud', packages: { pip: [null] } } }],
      ['packages.npm an object', { config: { type: 'cloud', packages: { npm: { zod: '3' } } } }],
      ['scope a number', { scope: 1 }],
      ['scope an array', { scope: ['organization'] }],
    ];

    it.each(WRONG_TYPES)('wrong type on create: %s', async (_label, fields) => {
      const client = await freshOrganization();
      const response = await http(client, 'POST', '/v1/environments', { body: { name: unique('wt'), ...fields } });
      expect400(response, NO_DETAILS);
      expect(await allIds(client)).toEqual([]);
    });

    it.each(WRONG_TYPES)(
      'wrong type on update: %s',
      async (_label, fields) => {
        const env = await rich();
        const before = await snapshot(env.id);
        const response = await http(t, 'POST', `/v1/environments/${env.id}`, { body: fields });
        expect400(response, NO_DETAILS);
        await expectUnchanged(before);
      },
    );

    it.each([
      ['a number', 5],
      ['a boolean', true],
      ['an object', { nested: 'x' }],
      ['an array', ['x']],
    ])('a metadata value that is %s is invalid_metadata (create and update)', async (_label, value) => {
      const client = await freshOrganization();
      expect400(
        await http(client, 'POST', '/v1/environments', { body: { name: unique('mv'), metadata: { key: value } } }),
        'invalid_metadata',
      );
      expect(await allIds(client)).toEqual([]);
      const env = await rich();
      const before = await snapshot(env.id);
      expect400(await http(t, 'POST', `/v1/environments/${env.id}`, { body: { metadata: { key: value } } }), 'invalid_metadata');
      await expectUnchanged(before);
    });

    /** [label, fields, error_code or undefined]: each breaks one field rule of the API contract. */
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const limited = (extra: Record<string, unknown>) => ({
      config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true, ...extra } },
    });
    const pip = (entries: unknown[]) => ({ config: { type: 'cloud', packages: { type: 'packages', pip: entries } } });
    const RULES: [string, Record<string, unknown>, string | undefined][] = [
      ['name empty', { name: '' }, undefined],
      ['name whitespace only', { name: '   ' }, undefined],
      ['name tabs and newlines only', { name: '\t\n\r ' }, undefined],
      ['name 257 characters', { name: 'n'.repeat(257) }, undefined],
      ['name 257 characters after trimming', { name: `  ${'n'.repeat(257)}  ` }, undefined],
      ['description 1025 characters', { description: 'd'.repeat(1025) }, undefined],
      ['metadata 17 keys', { metadata: seventeen }, 'invalid_metadata'],
      ['metadata key of 65 characters', { metadata: { ['k'.repeat(65)]: 'v' } }, 'invalid_metadata'],
      ['metadata empty key', { metadata: { '': 'v' } }, 'invalid_metadata'],
      ['metadata value of 513 characters', { metadata: { key: 'v'.repeat(513) } }, 'invalid_metadata'],
      ['allowed_hosts with https scheme', limited({ allowed_hosts: ['https://api.example.com'] }), undefined],
      ['allowed_hosts with http scheme', limited({ allowed_hosts: ['http://api.example.com'] }), undefined],
      ['allowed_hosts with a path', limited({ allowed_hosts: ['api.example.com/v1'] }), undefined],
      ['allowed_hosts with a trailing slash', limited({ allowed_hosts: ['api.example.com/'] }), undefined],
      ['allowed_hosts with a port', limited({ allowed_hosts: ['api.example.com:443'] }), undefined],
      ['allowed_hosts IPv6 with a port', limited({ allowed_hosts: ['[::1]:8080'] }), undefined],
      ['allowed_hosts with leading whitespace', limited({ allowed_hosts: [' api.example.com'] }), undefined],
      ['allowed_hosts with trailing whitespace', limited({ allowed_hosts: ['api.example.com '] }), undefined],
      ['allowed_hosts with inner whitespace', limited({ allowed_hosts: ['api example.com'] }), undefined],
      ['allowed_hosts with a newline', limited({ allowed_hosts: ['api.example.com\n'] }), undefined],
      ['allowed_hosts empty entry', limited({ allowed_hosts: [''] }), undefined],
      [
        'allowed_hosts 257 entries',
        limited({ allowed_hosts: Array.from({ length: 257 }, (_, i) => `h${i}.example.com`) }),
        undefined,
      ],
      ['package with inner whitespace', pip(['pandas numpy']), undefined],
      ['package with leading whitespace', pip([' pandas']), undefined],
      ['package with a tab', pip(['pandas\t']), undefined],
      ['package with a newline', pip(['pan\ndas']), undefined],
      ['package with a control character', pip(['pan\u0007das']), undefined],
      ['package empty', pip(['']), undefined],
      ['package of 257 characters', pip(['p'.repeat(257)]), undefined],
      ['package list of 257 entries', pip(Array.from({ length: 257 }, (_, i) => `p${i}`)), undefined],
      [
        'packages under limited networking without allow_package_managers',
        { config: { type: 'cloud', networking: { type: 'limited' }, packages: { pip: ['pandas'] } } },
        undefined,
      ],
      [
        'packages under limited networking with allow_package_managers false',
        {
          config: {
            type: 'cloud',
            networking: { type: 'limited', allowed_hosts: ['pypi.org'], allow_package_managers: false },
            packages: { type: 'packages', apt: ['curl'] },
          },
        },
        undefined,
      ],
      ['scope "account"', { scope: 'account' }, undefined],
      ['scope ""', { scope: '' }, undefined],
      ['self_hosted with networking', { config: { type: 'self_hosted', networking: { type: 'unrestricted' } } }, undefined],
    ];

    it.each(RULES)('create rejects %s', async (_label, fields, code) => {
      const client = await freshOrganization();
      const response = await http(client, 'POST', '/v1/environments', { body: { name: unique('rule'), ...fields } });
      expect400(response, code ?? NO_DETAILS);
      expect(await allIds(client)).toEqual([]);
    });

    it.each(RULES.filter(([label]) => !label.startsWith('self_hosted')))('update rejects %s and changes nothing', async (_label, fields, code) => {
      const env = await create({ metadata: { existing: 'value' } });
      const before = await snapshot(env.id);
      const response = await http(t, 'POST', `/v1/environments/${env.id}`, { body: fields });
      expect400(response, code ?? NO_DETAILS);
      await expectUnchanged(before);
    });

    it('accepts the boundary values of every rule', async () => {
      const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`.padEnd(64, 'x'), 'v'.repeat(512)]));
      const name = unique('edge').padEnd(256, 'n');
      const env = await create({
        name,
        description: 'd'.repeat(1024),
        metadata: sixteen,
        config: {
          type: 'cloud',
          networking: {
            type: 'limited',
            allowed_hosts: Array.from({ length: 256 }, (_, i) => `h${i}.example.com`),
            allow_package_managers: true,
          },
          packages: { pip: Array.from({ length: 256 }, (_, i) => `p${i}`), npm: ['p'.repeat(256)] },
        },
      });
      expect(env.name).toBe(name);
      expect(Object.keys(env.metadata)).toHaveLength(16);
      expect(env.config.networking.allowed_hosts).toHaveLength(256);
      expect(env.config.packages.pip).toHaveLength(256);
    });

    it('metadata keys named like Object.prototype members are ordinary keys', async () => {
      const metadata = { constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v' };
      const created = await http(t, 'POST', '/v1/environments', { body: { name: unique('proto-keys'), metadata } });
      expect({ status: created.status, error: created.body?.error }).toEqual({ status: 200, error: undefined });
      expect(created.body.metadata).toEqual(metadata);
      const env = await create({ metadata: { plain: 'p' } });
      const updated = await http(t, 'POST', `/v1/environments/${env.id}`, { body: { metadata: { constructor: 'c' } } });
      expect({ status: updated.status, error: updated.body?.error }).toEqual({ status: 200, error: undefined });
      expect(updated.body.metadata).toEqual({ constructor: 'c', plain: 'p' });
    });

    it('a metadata value that is an object with a "constructor" key is invalid_metadata, not a 5xx', async () => {
      const client = await freshOrganization();
      const response = await http(client, 'POST', '/v1/environments', {
        body: { name: unique('proto-value'), metadata: { key: { constructor: 'x' } } },
      });
      expect400(response, 'invalid_metadata');
      expect(await allIds(client)).toEqual([]);
    });

    it('metadata limits apply to the merged result of an update', async () => {
      const env = await create({ metadata: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'])) });
      const before = await snapshot(env.id);
      expect400(await http(t, 'POST', `/v1/environments/${env.id}`, { body: { metadata: { k16: 'one too many' } } }), 'invalid_metadata');
      await expectUnchanged(before);
    });

    it('the merged result of an update must keep packages legal under limited networking', async () => {
      const env = await rich(); // limited, allow_package_managers true, pip and npm non-empty
      const before = await snapshot(env.id);
      const response = await http(t, 'POST', `/v1/environments/${env.id}`, {
        body: { config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: false } } },
      });
      expect400(response);
      await expectUnchanged(before);
    });

    it('config.type cannot change after creation: invalid_config_type_change', async () => {
      const cloud = await rich();
      const cloudBefore = await snapshot(cloud.id);
      expect400(
        await http(t, 'POST', `/v1/environments/${cloud.id}`, { body: { config: { type: 'self_hosted' } } }),
        'invalid_config_type_change',
      );
      await expectUnchanged(cloudBefore);

      const selfHosted = await create({ config: { type: 'self_hosted' } });
      const selfBefore = await snapshot(selfHosted.id);
      expect400(
        await http(t, 'POST', `/v1/environments/${selfHosted.id}`, {
          body: { config: { type: 'cloud', networking: { type: 'unrestricted' } } },
        }),
        'invalid_config_type_change',
      );
      await expectUnchanged(selfBefore);
    });

    it('config without config.type on update is a 400', async () => {
      const env = await rich();
      const before = await snapshot(env.id);
      expect400(await http(t, 'POST', `/v1/environments/${env.id}`, { body: { config: { packages: { pip: ['x'] } } } }));
      expect400(await http(t, 'POST', `/v1/environments/${env.id}`, { body: { config: {} } }));
      await expectUnchanged(before);
    });

    it('an update that fails on its second field changes nothing of the first', async () => {
      const env = await rich();
      const before = await snapshot(env.id);
      const response = await http(t, 'POST', `/v1/environments/${env.id}`, {
        body: { name: unique('would-rename'), description: 'would change', metadata: { ['x'.repeat(65)]: 'v' } },
      });
      expect400(response, 'invalid_metadata');
      await expectUnchanged(before);
    });

    it('a message names the offending field', async () => {
      const checks: [Record<string, unknown>, RegExp][] = [
        [{ name: '' }, /name/],
        [{ description: 'd'.repeat(1025) }, /description/],
        [{ metadata: { ['k'.repeat(65)]: 'v' } }, /metadata/],
        [limited({ allowed_hosts: ['https://x.com'] }), /allowed_hosts/],
        [pip(['a b']), /pip/],
        [{ scope: 'account' }, /scope/],
        [{ colour: 'blue' }, /colour/],
        // A nested field is named by its full path, with the index of the offending entry.
        [limited({ allowed_hosts: ['ok.com', 'bad host'] }), /config\.networking\.allowed_hosts\[1\]/],
      ];
      for (const [fields, pattern] of checks) {
        const response = await http(t, 'POST', '/v1/environments', { body: { name: unique('msg'), ...fields } });
        expect(response.status).toBe(400);
        expect(response.body.error.message).toMatch(pattern);
      }
    });
  });

  // ---------------------------------------------------------------- 401

  describe('401 authentication_error', () => {
    const UNKNOWN = `sk-sb-${'x'.repeat(40)}`;
    const badCredentials: [string, Record<string, string>][] = [
      ['no key at all', {}],
      ['an unknown x-api-key', { 'x-api-key': UNKNOWN }],
      ['an unknown Bearer token', { authorization: `Bearer ${UNKNOWN}` }],
      ['a key that is not a key', { 'x-api-key': 'hunter2' }],
      ['Basic authorization', { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` }],
      ['an empty Bearer', { authorization: 'Bearer ' }],
    ];

    it.each(badCredentials)('%s: 401 on every endpoint, and nothing changes', async (_label, headers) => {
      const env = await rich();
      const before = await snapshot(env.id);
      const count = (await allIds(t)).length;
      const requests: [string, string, unknown?][] = [
        ['GET', '/v1/environments'],
        ['POST', '/v1/environments', { name: unique('unauth') }],
        ['GET', `/v1/environments/${env.id}`],
        ['POST', `/v1/environments/${env.id}`, { description: 'hijacked' }],
        ['POST', `/v1/environments/${env.id}/archive`],
        ['DELETE', `/v1/environments/${env.id}`],
        ['GET', `/v1/environments/${env.id}/versions`],
      ];
      for (const [method, path, body] of requests) {
        const response = await http(t, method, path, { key: null, headers, body });
        expectError(response, 401, 'authentication_error', NO_DETAILS);
      }
      await expectUnchanged(before);
      expect((await allIds(t)).length).toBe(count);
    });

    it('accepts a valid key both as x-api-key and as Authorization: Bearer', async () => {
      const viaHeader = await http(t, 'POST', '/v1/environments', { key: null, headers: { 'x-api-key': t.key }, body: { name: unique('xk') } });
      expect(viaHeader.status).toBe(200);
      const viaBearer = await http(t, 'POST', '/v1/environments', {
        key: null,
        headers: { authorization: `Bearer ${t.key}` },
        body: { name: unique('bearer') },
      });
      expect(viaBearer.status).toBe(200);
      for (const headers of [{ 'x-api-key': t.key }, { authorization: `Bearer ${t.key}` }] as Record<string, string>[]) {
        const got = await http(t, 'GET', `/v1/environments/${viaHeader.body.id}`, { key: null, headers });
        expect(got.status).toBe(200);
        expect(got.body.id).toBe(viaHeader.body.id);
        expect((await http(t, 'GET', `/v1/environments/${viaBearer.body.id}`, { key: null, headers })).status).toBe(200);
      }
    });
  });

  // ---------------------------------------------------------------- 404

  describe('404 not_found_error', () => {
    const randomId = randomEnvironmentId;

    function requestsFor(id: string): [string, string, unknown?][] {
      return [
        ['GET', `/v1/environments/${id}`],
        ['GET', `/v1/environments/${id}?version=1`],
        ['POST', `/v1/environments/${id}`, { description: 'x' }],
        ['POST', `/v1/environments/${id}/archive`],
        ['DELETE', `/v1/environments/${id}`],
        ['GET', `/v1/environments/${id}/versions`],
      ];
    }

    it.each([
      ['a well-formed id that does not exist', randomId()],
      ['a malformed id', 'nope'],
      ['the bare prefix', 'env_'],
      ['an id of another resource type', 'apikey_0123456789abcdefghijklmn'],
      ['a long id', `env_${'a'.repeat(76)}`],
      ['an id with quotes in it', encodeURIComponent("env_x' OR '1'='1")],
    ])('%s: 404 on retrieve, update, archive, delete and versions', async (_label, id) => {
      for (const [method, path, body] of requestsFor(id)) {
        const response = await http(t, method, path, { body });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
        expectError(response, 404, 'not_found_error', ANY_CODE);
      }
    });

    it('an absurdly long id is refused in the envelope, never a 5xx', async () => {
      // Some HTTP stacks answer 414 URI Too Long before routing; either way a clean 4xx.
      const id = `env_${'a'.repeat(5000)}`;
      for (const [method, path, body] of requestsFor(id)) {
        const response = await http(t, method, path, { body });
        expect([404, 414]).toContain(response.status);
        expectError(response, response.status, response.status === 404 ? 'not_found_error' : 'invalid_request_error', ANY_CODE);
      }
    });

    it("another organization's environment is a 404 indistinguishable from a nonexistent one, and nothing changes", async () => {
      const owner = await freshOrganization();
      const stranger = await freshOrganization();
      const env = await rich(owner);
      const before = await snapshot(env.id, owner);
      const missing = randomId();
      const normalize = (response: HttpResult, id: string) => ({
        status: response.status,
        type: response.body.error?.type,
        message: String(response.body.error?.message).split(id).join('<id>'),
        details: response.body.error?.details,
        keys: Object.keys(response.body).sort(),
        errorKeys: Object.keys(response.body.error ?? {}).sort(),
      });
      const theirs = requestsFor(env.id);
      const nobodys = requestsFor(missing);
      for (let i = 0; i < theirs.length; i++) {
        const [method, path, body] = theirs[i];
        const foreign = await http(stranger, method, path, { body });
        expectError(foreign, 404, 'not_found_error', 'environment_not_found');
        const [m2, p2, b2] = nobodys[i];
        const absent = await http(stranger, m2, p2, { body: b2 });
        expect(normalize(foreign, env.id)).toEqual(normalize(absent, missing));
      }
      // Creating with the same name in the other organization is not a conflict either (no hint).
      const sameName = await http(stranger, 'POST', '/v1/environments', { body: { name: env.name } });
      expect(sameName.status).toBe(200);
      await expectUnchanged(before, owner);
    });

    it('an unknown route is a 404 in the envelope', async () => {
      expectError(await http(t, 'GET', '/v1/environmentz'), 404, 'not_found_error', ANY_CODE);
      expectError(await http(t, 'PATCH', `/v1/environments/${randomId()}`, { body: {} }), 404, 'not_found_error', ANY_CODE);
    });
  });

  // ---------------------------------------------------------------- 409

  describe('409 conflict_error environment_name_taken', () => {
    it('on create with a taken name (also after trimming), with x-should-retry: false', async () => {
      const client = await freshOrganization();
      const name = unique('taken');
      const first = await create({ name }, client);
      for (const attempt of [name, `  ${name}  `, `\t${name}\n`]) {
        const response = await http(client, 'POST', '/v1/environments', { body: { name: attempt, description: 'second' } });
        expectError(response, 409, 'conflict_error', 'environment_name_taken');
        expect(response.headers.get('x-should-retry')).toBe('false');
      }
      expect(await allIds(client)).toEqual([first.id]);
    });

    it('on update renaming to a taken name, changing nothing', async () => {
      const a = await create();
      const b = await rich();
      const before = await snapshot(b.id);
      const response = await http(t, 'POST', `/v1/environments/${b.id}`, { body: { name: a.name, description: 'would change' } });
      expectError(response, 409, 'conflict_error', 'environment_name_taken');
      expect(response.headers.get('x-should-retry')).toBe('false');
      await expectUnchanged(before);
    });

    it('an archived environment keeps its name taken', async () => {
      const archived = await create();
      expect((await http(t, 'POST', `/v1/environments/${archived.id}/archive`)).status).toBe(200);
      const response = await http(t, 'POST', '/v1/environments', { body: { name: archived.name } });
      expectError(response, 409, 'conflict_error', 'environment_name_taken');
      expect(response.headers.get('x-should-retry')).toBe('false');
    });
  });

  // ---------------------------------------------------------------- 412

  describe('412 version_mismatch', () => {
    it('is an invalid_request_error with x-should-retry: false, and changes nothing', async () => {
      const env = await rich();
      const before = await snapshot(env.id);
      const response = await http(t, 'POST', `/v1/environments/${env.id}`, {
        body: { description: 'stale' },
        headers: { 'if-match': '"7"' },
      });
      expectError(response, 412, 'invalid_request_error', 'version_mismatch');
      expect(response.headers.get('x-should-retry')).toBe('false');
      await expectUnchanged(before);
    });
  });

  // ---------------------------------------------------------------- 413

  describe('413 request_too_large', () => {
    const MiB = 1024 * 1024;
    /** A JSON body of exactly `size` bytes. */
    const bodyOf = (size: number, fields: Record<string, unknown> = {}) => {
      const head = JSON.stringify({ ...fields, description: '' });
      return head.slice(0, -2) + 'd'.repeat(size - head.length) + '"}';
    };

    it('a body over 1 MiB on create is a 413 and creates nothing', async () => {
      const client = await freshOrganization();
      for (const size of [MiB + 1, MiB + 100_000, 5 * MiB]) {
        const body = bodyOf(size, { name: unique('big') });
        expect(Buffer.byteLength(body)).toBe(size);
        const response = await http(client, 'POST', '/v1/environments', { body });
        expectError(response, 413, 'request_too_large', NO_DETAILS);
      }
      expect(await allIds(client)).toEqual([]);
      // Just under the limit, the body is read and judged on its fields.
      const under = await http(client, 'POST', '/v1/environments', { body: bodyOf(MiB - 10, { name: unique('almost') }) });
      expect400(under);
    });

    it('a body over 1 MiB on update is a 413 and changes nothing', async () => {
      const env = await rich();
      const before = await snapshot(env.id);
      const response = await http(t, 'POST', `/v1/environments/${env.id}`, { body: bodyOf(2 * MiB) });
      expectError(response, 413, 'request_too_large', NO_DETAILS);
      await expectUnchanged(before);
    });
  });

  // ---------------------------------------------------------------- never a 5xx

  describe('no input produces a 5xx', () => {
    /** Strings that are valid JSON but awkward for databases and encoders. */
    const AWKWARD_STRINGS = [
      '\ud800', // lone high surrogate
      '\udfff', // lone low surrogate
      'a\ud83dz', // high surrogate followed by an ordinary character
      '\ude00\ud83d', // a surrogate pair in the wrong order
    ];

    it.each(AWKWARD_STRINGS.map((s) => [JSON.stringify(s).slice(1, -1), s]))(
      'the string %s in any field or key is a 400 naming the unpaired surrogate, and changes nothing',
      async (_label, value) => {
        const env = await create({ config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } } });
        const bodies: Record<string, unknown>[] = [
          { name: `n-${unique('s')}-${value}` },
          { description: value },
          { metadata: { key: value } },
          { metadata: { [`k${value}`]: 'v' } },
          { config: { type: 'cloud', packages: { pip: [`p${value}`] } } },
          { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [`${value}.com`] } } },
        ];
        const outcomes: unknown[] = [];
        for (const body of bodies) {
          const created = await http(t, 'POST', '/v1/environments', { body: { name: unique('c'), ...body } });
          const updated = await http(t, 'POST', `/v1/environments/${env.id}`, { body });
          for (const [op, response] of [['create', created], ['update', updated]] as const) {
            const refused = response.status === 400 && /unpaired UTF-16 surrogates/.test(response.body?.error?.message);
            if (!refused) outcomes.push({ op, body, status: response.status, error: response.body?.error });
          }
        }
        expect(outcomes).toEqual([]);
        const after = await http(t, 'GET', `/v1/environments/${env.id}`);
        expect(after.status).toBe(200);
        expect(after.body.version).toBe(env.version);
      },
    );

    it('~200 random malformed bodies against create and update never produce a 5xx', async () => {
      const random = seededRandom(0x5eed);
      const target = await rich();
      const failures: unknown[] = [];
      const outcomes = new Map<number, number>();
      for (let i = 0; i < 200; i++) {
        const body = fuzzBody(random, i);
        const toUpdate = i % 2 === 1;
        const path = toUpdate ? `/v1/environments/${target.id}` : '/v1/environments';
        const response = await http(t, 'POST', path, { body, headers: { 'content-type': 'application/json' } });
        outcomes.set(response.status, (outcomes.get(response.status) ?? 0) + 1);
        const preview = body.length > 300 ? `${body.slice(0, 300)}... (${body.length} chars)` : body;
        if (response.status >= 500) {
          failures.push({ i, path: toUpdate ? 'update' : 'create', status: response.status, body: preview, error: response.body?.error });
        } else if (response.status >= 400) {
          // Every refusal is a well-formed envelope.
          const ok =
            response.body?.type === 'error' &&
            typeof response.body.error?.type === 'string' &&
            typeof response.body.error?.message === 'string' &&
            response.body.request_id === response.headers.get('request-id');
          if (!ok) failures.push({ i, status: response.status, body: preview, malformedEnvelope: response.body });
        }
      }
      expect(failures).toEqual([]);
      // Most bodies are refused; the service is still healthy afterwards.
      expect([...outcomes.keys()].some((status) => status >= 400)).toBe(true);
      expect((await http(t, 'GET', `/v1/environments/${target.id}`)).status).toBe(200);
      expect((await http(t, 'GET', '/v1/environments?limit=100&include_archived=true')).status).toBe(200);
    });

    it('300 random bodies of environment-like fields answer only 200, 400, 404 or 409, every refusal an error', async () => {
      const env = await create();
      const random = seededRandom(42);
      const values = (): unknown =>
        pick<() => unknown>(random, [
          () => null,
          () => random() * 1e6,
          () => pick(random, ['', ' ', 'x'.repeat(300), '\u{1F600}', 'é', 'cloud', 'limited', 'packages']),
          () => pick(random, [true, false]),
          () => [values(), values()],
          () => ({ [pick(random, ['type', 'name', 'pip', 'networking', 'x'])]: values() }),
        ])();
      const fields = ['name', 'description', 'config', 'metadata', 'scope', 'extra'];
      for (let i = 0; i < 300; i++) {
        const body: Record<string, unknown> = {};
        for (const field of fields) if (random() < 0.4) body[field] = values();
        if (random() < 0.5 && typeof body.config === 'object' && body.config && !Array.isArray(body.config)) {
          (body.config as Record<string, unknown>).type = pick(random, ['cloud', 'self_hosted', 5]);
        }
        const path = random() < 0.5 ? '/v1/environments' : `/v1/environments/${env.id}`;
        const response = await http(t, 'POST', path, { body });
        expect([200, 400, 404, 409]).toContain(response.status);
        if (response.status !== 200) expect(response.body.type).toBe('error');
      }
    });
  });
});

// ---------------------------------------------------------------- fuzz generators

const ODD_KEYS = [
  'name', 'description', 'config', 'metadata', 'scope', 'type', 'networking', 'packages', 'pip', 'npm',
  'allowed_hosts', 'allow_mcp_servers', 'allow_package_managers', 'constructor', 'toString', 'valueOf',
  'hasOwnProperty', 'prototype', '', ' ', 'ключ', '🔑', 'a.b', '$where', '0', 'length',
];
const UNICODE = [
  'é', 'ß', '漢字', 'العربية', '\u202e', '\u200b', '\ufeff', '😀', '👩‍👩‍👧', 'e\u0301', '\u0007', '\t', '\n', '"', '\\',
  '\ud800', '\udfff', '\uffff', '𝕏', '\u2028', "'; DROP TABLE environments; --", '%s%n', '{{7*7}}',
];

function fuzzString(r: Rng): string {
  const kind = int(r, 10);
  if (kind === 0) return '';
  if (kind === 1) return pick(r, UNICODE).repeat(1 + int(r, 3000)); // long, possibly huge in bytes
  if (kind === 2) return 'x'.repeat(pick(r, [255, 256, 257, 1023, 1024, 1025, 4096, 100_000]));
  let s = '';
  const length = 1 + int(r, 20);
  for (let i = 0; i < length; i++) s += r() < 0.5 ? pick(r, UNICODE) : String.fromCharCode(32 + int(r, 95));
  return s;
}

function fuzzValue(r: Rng, depth: number): unknown {
  const kind = int(r, depth > 4 ? 7 : 10);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, -0, 42]);
    case 3:
    case 4:
    case 5:
      return fuzzString(r);
    case 6:
      return pick(r, ['cloud', 'self_hosted', 'limited', 'unrestricted', 'packages', 'organization', 'account']);
    case 7:
    case 8:
      return Array.from({ length: int(r, 5) }, () => fuzzValue(r, depth + 1));
    default:
      return fuzzObject(r, depth + 1);
  }
}

function fuzzObject(r: Rng, depth: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const count = int(r, 6);
  for (let i = 0; i < count; i++) object[r() < 0.7 ? pick(r, ODD_KEYS) : fuzzString(r).slice(0, 40)] = fuzzValue(r, depth);
  return object;
}

/** Almost an environment body: the right keys with wrong, odd or extreme values in places. */
function fuzzEnvironmentish(r: Rng): Record<string, unknown> {
  const maybe = (value: () => unknown) => (r() < 0.6 ? value() : fuzzValue(r, 2));
  const body: Record<string, unknown> = {};
  if (r() < 0.8) body.name = maybe(() => `fuzz-${int(r, 1e9)}-${fuzzString(r).slice(0, 30)}`);
  if (r() < 0.5) body.description = maybe(() => fuzzString(r));
  if (r() < 0.5) {
    body.metadata = maybe(() =>
      Object.fromEntries(Array.from({ length: int(r, 20) }, () => [fuzzString(r).slice(0, 80), fuzzValue(r, 4)])),
    );
  }
  if (r() < 0.7) {
    body.config = maybe(() => ({
      type: maybe(() => pick(r, ['cloud', 'self_hosted'])),
      ...(r() < 0.7
        ? {
            networking: maybe(() => ({
              type: maybe(() => pick(r, ['limited', 'unrestricted'])),
              ...(r() < 0.6 ? { allowed_hosts: maybe(() => Array.from({ length: int(r, 6) }, () => fuzzValue(r, 4))) } : {}),
              ...(r() < 0.5 ? { allow_mcp_servers: fuzzValue(r, 5) } : {}),
              ...(r() < 0.5 ? { allow_package_managers: fuzzValue(r, 5) } : {}),
            })),
          }
        : {}),
      ...(r() < 0.7
        ? {
            packages: maybe(() => ({
              ...(r() < 0.5 ? { type: fuzzValue(r, 5) } : {}),
              [pick(r, ['apt', 'cargo', 'gem', 'go', 'npm', 'pip', 'brew'])]: maybe(() =>
                Array.from({ length: int(r, 6) }, () => (r() < 0.5 ? fuzzString(r) : fuzzValue(r, 5))),
              ),
            })),
          }
        : {}),
    }));
  }
  if (r() < 0.3) body.scope = fuzzValue(r, 3);
  if (r() < 0.2) body[pick(r, ODD_KEYS)] = fuzzValue(r, 3);
  return body;
}

/** One request body as text: mostly JSON of odd shapes, sometimes not JSON at all. */
function fuzzBody(r: Rng, i: number): string {
  const kind = i % 10;
  if (kind <= 4) return JSON.stringify(fuzzEnvironmentish(r));
  if (kind === 5) return JSON.stringify(fuzzValue(r, 0)) ?? 'null';
  if (kind === 6) return JSON.stringify(fuzzObject(r, 0));
  if (kind === 7) {
    const text = JSON.stringify(fuzzEnvironmentish(r));
    return text.slice(0, int(r, text.length)); // truncated
  }
  if (kind === 8) {
    const depth = pick(r, [10, 31, 33, 200]);
    return `{"name":"deep-${i}","metadata":${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}}`;
  }
  let noise = '';
  const length = 1 + int(r, 200);
  for (let j = 0; j < length; j++) noise += String.fromCharCode(int(r, 0x3000));
  return r() < 0.5 ? noise : `{"name": ${noise}}`;
}
