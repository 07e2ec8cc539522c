import Anthropic, {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
} from '@anthropic-ai/sdk';
import {
  BetaEnvironmentArchivedError,
  BetaEnvironmentNotFoundError,
  BetaInvalidConfigTypeChangeError,
  BetaInvalidMetadataError,
  type BetaEnvironment,
} from '@anthropic-ai/sdk/resources/beta/environments/environments';
import { EMPTY_PACKAGES, fullEnvironment, fullEnvironmentAnswer, REFERENCE_NETWORKING, TIMESTAMP } from '../support/fixtures';
import { listOrder } from '../support/ordering';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The service driven only through the official SDK (`client.beta.environments`),
 * as a user of the Anthropic SDK pointed at Sandbase with `baseURL` would.
 */
jest.setTimeout(180_000);

/** The extension field `version` travels on the wire but is not in the SDK's type. */
const versionOf = (env: BetaEnvironment): number => (env as BetaEnvironment & { version: number }).version;

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('the official SDK against the service', () => {
  let t: TestApp;
  let client: Anthropic;
  let suffix = 0;
  const unique = (prefix: string) => `${prefix}-${++suffix}-${Math.random().toString(36).slice(2, 8)}`;

  /** A client of a fresh organization of its own, so that listings see only what the test created. */
  async function isolatedClient(options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) {
    const created = await t.createKey(unique('sdk-org'));
    return new Anthropic({ apiKey: created.key, baseURL: t.baseUrl, ...options });
  }

  beforeAll(async () => {
    t = await startTestApp();
    client = new Anthropic({ apiKey: t.key, baseURL: t.baseUrl });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('create and retrieve', () => {
    it('creates an environment with a full cloud config and retrieves it unchanged', async () => {
      const name = unique('python-data-analysis');
      const created = await client.beta.environments.create(fullEnvironment(name));
      expect(created).toEqual(fullEnvironmentAnswer(name));
      expect(created.updated_at).toBe(created.created_at);

      const retrieved = await client.beta.environments.retrieve(created.id);
      expect(retrieved).toEqual(created);
    });

    it('fills in the defaults when only a name is given', async () => {
      const name = unique('minimal');
      const created = await client.beta.environments.create({ name });
      expect(created).toMatchObject({
        name,
        description: null,
        config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: EMPTY_PACKAGES },
        metadata: {},
        scope: 'organization',
        archived_at: null,
      });
      expect(versionOf(created)).toBe(1);
    });

    it('creates a self-hosted environment', async () => {
      const created = await client.beta.environments.create({ name: unique('self-hosted'), config: { type: 'self_hosted' } });
      expect(created.config).toEqual({ type: 'self_hosted' });
      expect(await client.beta.environments.retrieve(created.id)).toEqual(created);
    });
  });

  describe('update', () => {
    it('replaces only the package list sent, preserving networking, other managers and fields (the API reference example)', async () => {
      const created = await client.beta.environments.create({
        name: unique('python-data-analysis'),
        description: 'Python environment with data-analysis packages.',
        config: {
          type: 'cloud',
          networking: REFERENCE_NETWORKING,
          packages: { type: 'packages', pip: ['pandas'], npm: ['left-pad'] },
        },
        metadata: { team: 'ml' },
      });

      const updated = await client.beta.environments.update(created.id, {
        config: {
          type: 'cloud',
          packages: { type: 'packages', pip: ['pandas', 'numpy', 'scikit-learn'] },
        },
      });

      expect(updated).toEqual({
        ...created,
        config: {
          type: 'cloud',
          networking: REFERENCE_NETWORKING,
          packages: { ...EMPTY_PACKAGES, npm: ['left-pad'], pip: ['pandas', 'numpy', 'scikit-learn'] },
        },
        version: 2,
        updated_at: expect.stringMatching(TIMESTAMP),
      });
      expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      expect(await client.beta.environments.retrieve(created.id)).toEqual(updated);
    });

    it('patches metadata, clears a description with null and keeps everything not sent', async () => {
      const created = await client.beta.environments.create({
        name: unique('metadata'),
        description: 'to be cleared',
        metadata: { keep: 'yes', drop: 'soon', empty: 'soon' },
      });

      const updated = await client.beta.environments.update(created.id, {
        description: null,
        metadata: { drop: null, empty: '', added: 'new', keep: 'still' },
      });
      expect(updated.description).toBeNull();
      expect(updated.metadata).toEqual({ keep: 'still', added: 'new' });
      expect(updated.name).toBe(created.name);
      expect(updated.config).toEqual(created.config);
      expect(versionOf(updated)).toBe(2);

      const renamed = await client.beta.environments.update(created.id, { name: unique('renamed') });
      expect(renamed.metadata).toEqual({ keep: 'still', added: 'new' });
      expect(renamed.description).toBeNull();
      expect(versionOf(renamed)).toBe(3);
    });

    it('records nothing for an update that changes nothing', async () => {
      const created = await client.beta.environments.create({ name: unique('no-op'), description: 'same' });
      const again = await client.beta.environments.update(created.id, { description: 'same', metadata: { absent: null } });
      expect(again).toEqual(created);
    });
  });

  describe('list', () => {
    it('returns one page of at most `limit` items, newest first, with a next_page cursor', async () => {
      const sdk = await isolatedClient();
      const made: BetaEnvironment[] = [];
      for (let i = 0; i < 5; i++) made.push(await sdk.beta.environments.create({ name: `page-${i}` }));

      const page = await sdk.beta.environments.list({ limit: 3 });
      expect(page.data.map((env) => env.id)).toEqual([...made].sort(listOrder).slice(0, 3).map((env) => env.id));
      expect(page.next_page).toMatch(/^page_/);
      expect(page.hasNextPage()).toBe(true);

      const second = await page.getNextPage();
      expect(second.data.map((env) => env.id)).toEqual([...made].sort(listOrder).slice(3).map((env) => env.id));
      expect(second.hasNextPage()).toBe(false);

      const defaultPage = await sdk.beta.environments.list();
      expect(defaultPage.data).toHaveLength(5);
      expect(defaultPage.data[0]).toEqual(await sdk.beta.environments.retrieve(defaultPage.data[0].id));
      expect(defaultPage.hasNextPage()).toBe(false);
    });

    it('has no next page when the results end exactly at a page boundary', async () => {
      const sdk = await isolatedClient();
      for (let i = 0; i < 4; i++) await sdk.beta.environments.create({ name: `boundary-${i}` });
      const page = await sdk.beta.environments.list({ limit: 4 });
      expect(page.data).toHaveLength(4);
      expect(page.next_page).toBeNull();
      expect(page.hasNextPage()).toBe(false);
    });

    it('shows archived environments only with include_archived', async () => {
      const sdk = await isolatedClient();
      const active = await sdk.beta.environments.create({ name: 'active' });
      const archived = await sdk.beta.environments.create({ name: 'archived' });
      await sdk.beta.environments.archive(archived.id);

      const visible = await sdk.beta.environments.list({ limit: 10 });
      expect(visible.data.map((env) => env.id)).toEqual([active.id]);

      const hidden = await sdk.beta.environments.list({ limit: 10, include_archived: false });
      expect(hidden.data.map((env) => env.id)).toEqual([active.id]);

      const all = await sdk.beta.environments.list({ limit: 10, include_archived: true });
      expect(all.data.map((env) => env.id).sort()).toEqual([active.id, archived.id].sort());
      expect(all.data.find((env) => env.id === archived.id)?.archived_at).toMatch(TIMESTAMP);
    });

    it('walks 250 environments with for-await, each exactly once, in created_at-desc/id-desc order', async () => {
      const sdk = await isolatedClient();
      const created: BetaEnvironment[] = [];
      // Batches of simultaneous creates, so that several share a created_at millisecond and the id breaks the tie.
      for (let batch = 0; batch < 10; batch++) {
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) => sdk.beta.environments.create({ name: `walk-${batch}-${i}` })),
        );
        created.push(...results);
      }
      expect(new Set(created.map((env) => env.id)).size).toBe(250);

      const walked: BetaEnvironment[] = [];
      for await (const env of sdk.beta.environments.list({ limit: 7 })) walked.push(env);

      const ids = walked.map((env) => env.id);
      expect(ids).toHaveLength(250);
      expect(new Set(ids).size).toBe(250);
      expect(ids).toEqual([...created].sort(listOrder).map((env) => env.id));
      for (let i = 1; i < walked.length; i++) expect(listOrder(walked[i - 1], walked[i])).toBeLessThan(0);
    });
  });

  describe('archive and delete', () => {
    it('archives once, keeps the environment retrievable, and archiving again changes nothing', async () => {
      const created = await client.beta.environments.create({ name: unique('to-archive') });
      const archived = await client.beta.environments.archive(created.id);
      expect(archived.archived_at).toMatch(TIMESTAMP);
      expect(Date.parse(archived.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      expect(versionOf(archived)).toBe(2);
      expect(await client.beta.environments.retrieve(created.id)).toEqual(archived);
      expect(await client.beta.environments.archive(created.id)).toEqual(archived);
    });

    it('deletes: later retrieve, update, archive and delete are 404 and the name is free again', async () => {
      const name = unique('to-delete');
      const created = await client.beta.environments.create({ name });
      expect(await client.beta.environments.delete(created.id)).toEqual({ id: created.id, type: 'environment_deleted' });

      for (const call of [
        () => client.beta.environments.retrieve(created.id),
        () => client.beta.environments.update(created.id, { description: 'x' }),
        () => client.beta.environments.archive(created.id),
        () => client.beta.environments.delete(created.id),
      ]) {
        const error = await thrown(call());
        expect(error).toBeInstanceOf(NotFoundError);
      }
      const listed: string[] = [];
      for await (const env of client.beta.environments.list({ limit: 100, include_archived: true })) listed.push(env.id);
      expect(listed).not.toContain(created.id);

      const reborn = await client.beta.environments.create({ name });
      expect(reborn.id).not.toBe(created.id);
    });
  });

  describe('typed errors', () => {
    it('updating an archived environment is a BetaEnvironmentArchivedError (a BadRequestError)', async () => {
      const created = await client.beta.environments.create({ name: unique('archived-update') });
      const archived = await client.beta.environments.archive(created.id);
      const error = await thrown(client.beta.environments.update(created.id, { description: 'too late' }));
      expect(error).toBeInstanceOf(BetaEnvironmentArchivedError);
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 400, errorCode: 'environment_archived' });
      expect(await client.beta.environments.retrieve(created.id)).toEqual(archived);
    });

    it('changing config.type is a BetaInvalidConfigTypeChangeError', async () => {
      const created = await client.beta.environments.create({ name: unique('type-change') });
      const error = await thrown(client.beta.environments.update(created.id, { config: { type: 'self_hosted' } }));
      expect(error).toBeInstanceOf(BetaInvalidConfigTypeChangeError);
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 400, errorCode: 'invalid_config_type_change' });
      expect(await client.beta.environments.retrieve(created.id)).toEqual(created);
    });

    it('17 metadata keys are a BetaInvalidMetadataError, on create and on update', async () => {
      const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`key${i}`, `value${i}`]));
      const name = unique('too-much-metadata');
      const onCreate = await thrown(client.beta.environments.create({ name, metadata: seventeen }));
      expect(onCreate).toBeInstanceOf(BetaInvalidMetadataError);
      expect(onCreate).toMatchObject({ status: 400, errorCode: 'invalid_metadata' });

      const sixteen = Object.fromEntries(Object.entries(seventeen).slice(0, 16));
      const created = await client.beta.environments.create({ name, metadata: sixteen });
      expect(Object.keys(created.metadata)).toHaveLength(16);
      const onUpdate = await thrown(client.beta.environments.update(created.id, { metadata: { key16: 'one too many' } }));
      expect(onUpdate).toBeInstanceOf(BetaInvalidMetadataError);
      expect(onUpdate).toBeInstanceOf(BadRequestError);
      expect(await client.beta.environments.retrieve(created.id)).toEqual(created);
    });

    it('a name clash is a ConflictError that the SDK does not retry', async () => {
      const requests: string[] = [];
      const counting: typeof fetch = async (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${String(input instanceof Request ? input.url : input)}`);
        return fetch(input, init);
      };
      const sdk = new Anthropic({ apiKey: t.key, baseURL: t.baseUrl, fetch: counting, maxRetries: 2 });
      const name = unique('taken');
      await sdk.beta.environments.create({ name });
      requests.length = 0;

      const error = await thrown(sdk.beta.environments.create({ name }));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ status: 409, errorCode: 'environment_name_taken' });
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatch(/^POST .*\/v1\/environments(\?.*)?$/);
    });

    it('an archived environment keeps its name: creating another with it is a ConflictError', async () => {
      const name = unique('archived-name');
      const created = await client.beta.environments.create({ name });
      await client.beta.environments.archive(created.id);
      const error = await thrown(client.beta.environments.create({ name }));
      expect(error).toBeInstanceOf(ConflictError);
    });

    it('retrieving a missing environment is a NotFoundError (BetaEnvironmentNotFoundError)', async () => {
      const error = await thrown(client.beta.environments.retrieve('env_000000000000000000000000'));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toBeInstanceOf(BetaEnvironmentNotFoundError);
      expect(error).toMatchObject({ status: 404, errorCode: 'environment_not_found' });
    });

    it("another organization's environment is a NotFoundError", async () => {
      const created = await client.beta.environments.create({ name: unique('private') });
      const other = await isolatedClient();
      const error = await thrown(other.beta.environments.retrieve(created.id));
      expect(error).toBeInstanceOf(NotFoundError);
    });

    it('an unknown key is an AuthenticationError', async () => {
      const bad = new Anthropic({ apiKey: 'sk-sb-this-key-does-not-exist-0000000000', baseURL: t.baseUrl });
      const error = await thrown(bad.beta.environments.list());
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ status: 401 });
      const onCreate = await thrown(bad.beta.environments.create({ name: unique('unauthenticated') }));
      expect(onCreate).toBeInstanceOf(AuthenticationError);
    });
  });
});
