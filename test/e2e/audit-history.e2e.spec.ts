import type { CreatedApiKey } from '../../src/auth/api-keys.service';
import { ANY_CODE, expectBadRequest as badRequest, expectNotFound as notFound } from '../support/envelope';
import { Client, TIMESTAMP } from '../support/fixtures';
import { cursorOf, walkPages as walk } from '../support/paging';
import { http, HttpResult, startTestApp, TestApp } from '../support/test-app';
import { sql } from '../../src/database/sql';

/** `created_by` of a change made over HTTP by this test's client (fetch from 127.0.0.1). */
function apiActor(apiKeyId: unknown) {
  return { type: 'api_actor', api_key_id: apiKeyId, ip_address: '127.0.0.1', user_agent: expect.any(String) };
}

jest.setTimeout(600_000);

/**
 * The audit history as an API user sees it: one environment's versions, the
 * organization's versions with every filter, time travel with `?version=N`,
 * the `changes` of each kind of field, and the chain verification endpoint.
 */

const VERSION_KEYS = [
  'changes',
  'created_at',
  'created_by',
  'environment',
  'environment_id',
  'id',
  'operation',
  'request_id',
  'type',
  'version',
];

type Change = { path: string; from: unknown; to: unknown };

/** A cursor with its first character changed (still base64url): the position no longer decodes. */
function tamper(cursor: string): string {
  const body = cursor.slice('page_'.length);
  return `page_${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
}

function byPath(changes: Change[]): Change[] {
  return [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A 400 invalid_request_error in the envelope; `what` names the request if it is not. */
const expectBadRequest = (r: HttpResult, what: string): void => badRequest(r, ANY_CODE, { what });

/** A 404 not_found_error in the envelope; `what` names the request if it is not. */
const expectNotFound = (r: HttpResult, what: string): void => notFound(r, ANY_CODE, { what });

function expectVersionShape(v: any): void {
  expect(Object.keys(v).sort()).toEqual(VERSION_KEYS);
  expect(v.type).toBe('environment_version');
  expect(v.id).toMatch(/^envver_[0-9A-Za-z]{24,}$/);
  expect(v.environment_id).toMatch(/^env_[0-9A-Za-z]{24}$/);
  expect(Number.isInteger(v.version) && v.version >= 1).toBe(true);
  expect(['created', 'modified', 'archived', 'deleted']).toContain(v.operation);
  expect(v.created_at).toMatch(TIMESTAMP);
  expect(v.created_by).toEqual(apiActor(expect.stringMatching(/^apikey_[0-9A-Za-z]+$/)));
  expect(v.request_id).toMatch(/^req_[0-9A-Za-z]+$/);
  expect(Array.isArray(v.changes)).toBe(true);
  for (const c of v.changes) {
    expect(Object.keys(c).sort()).toEqual(['from', 'path', 'to']);
    expect(c.from).not.toEqual(c.to);
  }
  if (v.operation === 'deleted') expect(v.environment).toBeNull();
  else {
    expect(v.environment).toMatchObject({ type: 'environment', id: v.environment_id, version: v.version });
  }
}

describe('audit history API', () => {
  let t: TestApp;
  let keyA: CreatedApiKey;
  let keyB: CreatedApiKey;
  let a: Client;
  let b: Client;
  let otherKey: CreatedApiKey;
  let other: Client;

  beforeAll(async () => {
    t = await startTestApp();
    keyA = await t.createKey('test-org');
    keyB = await t.createKey('test-org');
    otherKey = await t.createKey('other-org');
    a = { baseUrl: t.baseUrl, key: keyA.key };
    b = { baseUrl: t.baseUrl, key: keyB.key };
    other = { baseUrl: t.baseUrl, key: otherKey.key };
  });
  afterAll(async () => t.close());

  async function ok(client: Client, method: string, path: string, body?: unknown): Promise<HttpResult> {
    const r = await http(client, method, path, body === undefined ? {} : { body });
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  }

  async function latestVersion(id: string): Promise<any> {
    const r = await ok(a, 'GET', `/v1/environments/${id}/versions?limit=1`);
    return r.body.data[0];
  }

  describe('GET /v1/environments/{id}/versions', () => {
    it('records each change, newest first, with the key and the request that made it', async () => {
      const created = await ok(a, 'POST', '/v1/environments', { name: 'who-made-it', description: 'first' });
      const id = created.body.id;
      const renamed = await ok(b, 'POST', `/v1/environments/${id}`, { name: 'who-made-it-2' });
      const described = await ok(a, 'POST', `/v1/environments/${id}`, { description: 'third' });
      const archived = await ok(b, 'POST', `/v1/environments/${id}/archive`);
      const responses = [created, renamed, described, archived];
      const keys = [keyA, keyB, keyA, keyB];

      const r = await ok(a, 'GET', `/v1/environments/${id}/versions`);
      expect(Object.keys(r.body)).toEqual(['data']);
      const versions = r.body.data;
      expect(versions.map((v: any) => v.version)).toEqual([4, 3, 2, 1]);
      expect(versions.map((v: any) => v.operation)).toEqual(['archived', 'modified', 'modified', 'created']);
      const ids = new Set<string>();
      for (const v of versions) {
        expectVersionShape(v);
        expect(v.environment_id).toBe(id);
        ids.add(v.id);
        const n = v.version - 1;
        // Who: the key that made the change, not the key that reads the history.
        expect(v.created_by).toEqual(apiActor(keys[n].id));
        // Which request: the request-id header of the response that made it.
        expect(v.request_id).toBe(responses[n].headers.get('request-id'));
        // What: the full environment as that response returned it.
        expect(v.environment).toEqual(responses[n].body);
        // When: the moment the environment records for that change.
        expect(v.created_at).toBe(responses[n].body.updated_at);
      }
      expect(ids.size).toBe(4);
      expect(versions[3].created_at).toBe(created.body.created_at);
      expect(versions[0].created_at).toBe(archived.body.archived_at);
      // Newest first also in time.
      for (let i = 1; i < versions.length; i++) expect(versions[i - 1].created_at >= versions[i].created_at).toBe(true);
      // Reading the history with the other key gives the same answer.
      expect((await ok(b, 'GET', `/v1/environments/${id}/versions`)).body).toEqual(r.body);
    });

    it('keeps the history of a deleted environment; the deleted version has a null environment', async () => {
      const created = await ok(a, 'POST', '/v1/environments', { name: 'to-be-deleted', metadata: { k: 'v' } });
      const id = created.body.id;
      const updated = await ok(a, 'POST', `/v1/environments/${id}`, { metadata: { k: 'w' } });
      const deleted = await ok(b, 'DELETE', `/v1/environments/${id}`);
      expect(deleted.body).toEqual({ id, type: 'environment_deleted' });
      expectNotFound(await http(a, 'GET', `/v1/environments/${id}`), 'retrieve after delete');

      const r = await ok(a, 'GET', `/v1/environments/${id}/versions`);
      const [v3, v2, v1] = r.body.data;
      expect(r.body.data).toHaveLength(3);
      for (const v of r.body.data) expectVersionShape(v);
      expect([v3.operation, v2.operation, v1.operation]).toEqual(['deleted', 'modified', 'created']);
      expect([v3.version, v2.version, v1.version]).toEqual([3, 2, 1]);
      expect(v3.environment).toBeNull();
      expect(v3.environment_id).toBe(id);
      expect(v3.created_by).toEqual(apiActor(keyB.id));
      expect(v3.request_id).toBe(deleted.headers.get('request-id'));
      expect(v3.created_at >= v2.created_at).toBe(true);
      expect(v2.environment).toEqual(updated.body);
      expect(v1.environment).toEqual(created.body);

      // The name is free again; the new environment has its own, separate history.
      const again = await ok(a, 'POST', '/v1/environments', { name: 'to-be-deleted' });
      expect(again.body.id).not.toBe(id);
      const fresh = await ok(a, 'GET', `/v1/environments/${again.body.id}/versions`);
      expect(fresh.body.data.map((v: any) => [v.version, v.operation])).toEqual([[1, 'created']]);
      expect((await ok(a, 'GET', `/v1/environments/${id}/versions`)).body).toEqual(r.body);
    });

    it('pages with limit, page and next_page as the list does', async () => {
      const created = await ok(a, 'POST', '/v1/environments', { name: 'paged-history' });
      const id = created.body.id;
      for (let i = 2; i <= 45; i++) await ok(i % 2 ? a : b, 'POST', `/v1/environments/${id}`, { description: `rev ${i}` });

      // The default limit is 20.
      const first = await ok(a, 'GET', `/v1/environments/${id}/versions`);
      expect(first.body.data).toHaveLength(20);
      expect(first.body.data.map((v: any) => v.version)).toEqual(Array.from({ length: 20 }, (_, i) => 45 - i));
      expect(typeof first.body.next_page).toBe('string');

      const expected = Array.from({ length: 45 }, (_, i) => 45 - i);
      for (const [limit, pageCount] of [
        [1, 45],
        [7, 7],
        [10, 5],
        [15, 3], // ends exactly at a page boundary: no next_page on the third page
        [45, 1],
        [100, 1],
      ]) {
        const { items, pages } = await walk(a, `/v1/environments/${id}/versions`, limit);
        expect(items.map((v) => v.version)).toEqual(expected);
        expect(new Set(items.map((v) => v.id)).size).toBe(45);
        expect(pages).toBe(pageCount);
      }

      // The walk is unaffected by changes made while it runs: newer versions come before the cursor.
      const page1 = await ok(a, 'GET', `/v1/environments/${id}/versions?limit=10`);
      for (let i = 0; i < 3; i++) await ok(a, 'POST', `/v1/environments/${id}`, { description: `during walk ${i}` });
      const page2 = await ok(a, 'GET', `/v1/environments/${id}/versions?limit=10&page=${page1.body.next_page}`);
      expect(page2.body.data.map((v: any) => v.version)).toEqual(Array.from({ length: 10 }, (_, i) => 35 - i));
    });

    it('rejects a bad limit or a bad cursor with a 400, never a 500', async () => {
      const created = await ok(a, 'POST', '/v1/environments', { name: 'bad-params' });
      const id = created.body.id;
      for (let i = 0; i < 4; i++) await ok(a, 'POST', `/v1/environments/${id}`, { description: `x${i}` });
      for (const limit of ['0', '101', '-1', 'abc', '1.5', '1e1', '']) {
        expectBadRequest(await http(a, 'GET', `/v1/environments/${id}/versions?limit=${limit}`), `limit=${limit}`);
      }
      expect((await http(a, 'GET', `/v1/environments/${id}/versions?limit=1`)).status).toBe(200);
      expect((await http(a, 'GET', `/v1/environments/${id}/versions?limit=100`)).status).toBe(200);

      const good = (await ok(a, 'GET', `/v1/environments/${id}/versions?limit=2`)).body.next_page as string;
      const orgWide = (await ok(a, 'GET', '/v1/environment_versions?limit=1')).body.next_page as string;
      expect(typeof good).toBe('string');
      expect(typeof orgWide).toBe('string');
      const bad = [
        'garbage',
        'page_',
        'page_!!!',
        good.slice(0, good.length - 3),
        tamper(good),
        `${good}xyz`,
        'page_' + 'A'.repeat(600),
        cursorOf({ v: 'three' }),
        cursorOf({ v: -1 }),
        cursorOf({ v: 1.5 }),
        cursorOf({ v: 3, x: 1 }),
        cursorOf([3]),
        cursorOf(null),
        orgWide, // the organization-wide listing's cursor has another shape
      ];
      for (const cursor of bad) {
        const r = await http(a, 'GET', `/v1/environments/${id}/versions?page=${encodeURIComponent(cursor)}`);
        expectBadRequest(r, `cursor ${cursor}`);
        expect(r.body.error.message).toMatch(/cursor/i);
      }
    });

    it('is a 404 for an unknown environment and for an environment of another organization', async () => {
      expectNotFound(await http(a, 'GET', '/v1/environments/env_000000000000000000000000/versions'), 'unknown id');
      const theirs = await ok(other, 'POST', '/v1/environments', { name: 'not-yours' });
      expectNotFound(await http(a, 'GET', `/v1/environments/${theirs.body.id}/versions`), 'other organization');
      expect((await ok(other, 'GET', `/v1/environments/${theirs.body.id}/versions`)).body.data).toHaveLength(1);
    });

    it('records nothing for a change that changes nothing or that fails', async () => {
      const created = await ok(a, 'POST', '/v1/environments', {
        name: 'quiet',
        description: 'same',
        metadata: { k: 'v' },
        config: { type: 'cloud', packages: { pip: ['pandas'] } },
      });
      const id = created.body.id;
      const noOps: unknown[] = [
        {},
        { name: 'quiet' },
        { name: null },
        { description: 'same' },
        { metadata: { k: 'v' } },
        { metadata: { absent: null } },
        { metadata: { absent: '' } },
        { config: { type: 'cloud' } },
        { config: { type: 'cloud', packages: { pip: ['pandas'] } } },
        { config: { type: 'cloud', networking: { type: 'unrestricted' } } },
        { scope: 'organization' },
      ];
      for (const body of noOps) {
        const r = await ok(a, 'POST', `/v1/environments/${id}`, body);
        expect(r.body).toEqual(created.body);
      }
      const failing: unknown[] = [
        { name: '' },
        { config: { type: 'self_hosted' } },
        { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
        { unknown_field: 1 },
        { config: { type: 'cloud', networking: { type: 'limited' } } }, // pip is not empty
      ];
      for (const body of failing) expect((await http(a, 'POST', `/v1/environments/${id}`, { body })).status).toBe(400);
      const archived = await ok(a, 'POST', `/v1/environments/${id}/archive`);
      await ok(a, 'POST', `/v1/environments/${id}/archive`); // archiving again records nothing
      expect((await http(a, 'POST', `/v1/environments/${id}`, { body: { description: 'late' } })).status).toBe(400);
      const versions = await ok(a, 'GET', `/v1/environments/${id}/versions`);
      expect(versions.body.data.map((v: any) => [v.version, v.operation])).toEqual([
        [2, 'archived'],
        [1, 'created'],
      ]);
      expect(versions.body.data[0].environment).toEqual(archived.body);
    });
  });

  describe('GET /v1/environments/{id}?version=N', () => {
    it('equals the environment of version N for every N of a 30-version history', async () => {
      const created = await ok(a, 'POST', '/v1/environments', {
        name: 'time-travel',
        metadata: { n: '0' },
        config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } },
      });
      const id = created.body.id;
      const states = [created.body];
      for (let i = 2; i <= 29; i++) {
        const body = [
          { description: `rev ${i}` },
          { metadata: { n: String(i), [`k${i}`]: 'x' } },
          { config: { type: 'cloud', packages: { pip: [`p${i}`], npm: i % 2 ? [] : [`n${i}`] } } },
          { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [`h${i}.example.com`], allow_mcp_servers: i % 2 === 0 } } },
          { name: `time-travel-${i}` },
          { metadata: { n: null } },
        ][i % 6];
        const r = await ok(i % 2 ? a : b, 'POST', `/v1/environments/${id}`, body);
        expect(r.body.version).toBe(i);
        states.push(r.body);
      }
      states.push((await ok(a, 'POST', `/v1/environments/${id}/archive`)).body);
      expect(states[29].version).toBe(30);

      const { items } = await walk(a, `/v1/environments/${id}/versions`, 7);
      expect(items.map((v) => v.version)).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
      for (let n = 1; n <= 30; n++) {
        const asOf = await http(b, 'GET', `/v1/environments/${id}?version=${n}`);
        expect(asOf.status).toBe(200);
        const version = items.find((v) => v.version === n);
        expect(asOf.body).toEqual(version.environment);
        expect(asOf.body).toEqual(states[n - 1]);
        expect(asOf.body.version).toBe(n);
      }
      expect((await ok(a, 'GET', `/v1/environments/${id}?version=30`)).body).toEqual((await ok(a, 'GET', `/v1/environments/${id}`)).body);

      for (const bad of ['0', '000', '-1', 'abc', '1.5', '%20', '1e1', '0x1', '']) {
        expectBadRequest(await http(a, 'GET', `/v1/environments/${id}?version=${bad}`), `version=${bad}`);
      }
      // Any whole number beyond the latest is a 404, however large (also past what an integer column holds).
      for (const beyond of ['31', '32', '1000', '999999999', '1000000000', '3000000000', '999999999999999', '9'.repeat(30)]) {
        expectNotFound(await http(a, 'GET', `/v1/environments/${id}?version=${beyond}`), `version=${beyond}`);
      }
      const large = await http(a, 'GET', `/v1/environments/${id}?version=3000000000`);
      expect(large.body.error.message).toContain('has no version 3000000000 (latest is 30)');
      // Leading zeros are still that number.
      expect((await ok(a, 'GET', `/v1/environments/${id}?version=007`)).body.version).toBe(7);
      // Another organization cannot travel through this environment's history.
      expectNotFound(await http(other, 'GET', `/v1/environments/${id}?version=1`), 'other organization');
      // Deleted: gone from retrieve, at every version; its history stays.
      await ok(a, 'DELETE', `/v1/environments/${id}`);
      expectNotFound(await http(a, 'GET', `/v1/environments/${id}?version=1`), 'deleted, version 1');
      expect((await ok(a, 'GET', `/v1/environments/${id}/versions?limit=100`)).body.data).toHaveLength(31);
    });
  });

  describe('changes', () => {
    let id: string;
    let current: any;

    /** Applies an update and returns the `changes` of the version it recorded (after checking it was one). */
    async function change(body: unknown, client: Client = a): Promise<Change[]> {
      const before = current;
      const r = await ok(client, 'POST', `/v1/environments/${id}`, { ...(body as object) });
      expect(r.body.version).toBe(before.version + 1);
      current = r.body;
      const v = await latestVersion(id);
      expectVersionShape(v);
      expect(v.version).toBe(r.body.version);
      expect(v.operation).toBe('modified');
      expect(v.environment).toEqual(r.body);
      // Each changed leaf once, and only changed leaves.
      expect(new Set(v.changes.map((c: Change) => c.path)).size).toBe(v.changes.length);
      for (const c of v.changes) expect(c.from).not.toEqual(c.to);
      return byPath(v.changes);
    }

    beforeAll(async () => {
      const created = await ok(a, 'POST', '/v1/environments', {
        name: 'leaves',
        description: 'start',
        metadata: { keep: 'k', change: 'a', drop: 'x', blank: 'y' },
        config: { type: 'cloud', packages: { pip: ['pandas'], apt: ['curl'] } },
      });
      id = created.body.id;
      current = created.body;
    });

    it('lists everything a new environment sets on the created version, each from null', async () => {
      const v = (await ok(a, 'GET', `/v1/environments/${id}/versions`)).body.data.find((x: any) => x.version === 1);
      expect(v.operation).toBe('created');
      expectVersionShape(v);
      for (const c of v.changes) expect(c.from).toBeNull();
      expect(v.changes).toEqual(
        expect.arrayContaining([
          { path: 'name', from: null, to: 'leaves' },
          { path: 'description', from: null, to: 'start' },
          { path: 'config.packages.pip', from: null, to: ['pandas'] },
          { path: 'config.packages.apt', from: null, to: ['curl'] },
          { path: 'metadata.keep', from: null, to: 'k' },
          { path: 'metadata.change', from: null, to: 'a' },
          { path: 'metadata.drop', from: null, to: 'x' },
          { path: 'metadata.blank', from: null, to: 'y' },
        ]),
      );
      expect(new Set(v.changes.map((c: Change) => c.path)).size).toBe(v.changes.length);
    });

    it('a scalar: name', async () => {
      expect(await change({ name: 'leaves-2' })).toEqual([{ path: 'name', from: 'leaves', to: 'leaves-2' }]);
      // Trimmed as stored, so the change shows the stored value.
      expect(await change({ name: '  leaves-3  ' })).toEqual([{ path: 'name', from: 'leaves-2', to: 'leaves-3' }]);
    });

    it('null: description set to null and back from null, and to the empty string', async () => {
      expect(await change({ description: null })).toEqual([{ path: 'description', from: 'start', to: null }]);
      expect(await change({ description: 'back' })).toEqual([{ path: 'description', from: null, to: 'back' }]);
      expect(await change({ description: '' })).toEqual([{ path: 'description', from: 'back', to: '' }]);
      expect(await change({ description: null })).toEqual([{ path: 'description', from: '', to: null }]);
    });

    it('arrays: a package list is one leaf, replaced whole', async () => {
      expect(await change({ config: { type: 'cloud', packages: { pip: ['pandas', 'numpy'] } } })).toEqual([
        { path: 'config.packages.pip', from: ['pandas'], to: ['pandas', 'numpy'] },
      ]);
      expect(await change({ config: { type: 'cloud', packages: { pip: ['numpy', 'pandas'] } } })).toEqual([
        { path: 'config.packages.pip', from: ['pandas', 'numpy'], to: ['numpy', 'pandas'] },
      ]);
      expect(await change({ config: { type: 'cloud', packages: { pip: [], npm: ['left-pad'] } } })).toEqual([
        { path: 'config.packages.npm', from: [], to: ['left-pad'] },
        { path: 'config.packages.pip', from: ['numpy', 'pandas'], to: [] },
      ]);
    });

    it('networking: a type switch is one config.networking entry; limited fields are leaves', async () => {
      // apt and npm are not empty, so limited networking needs allow_package_managers.
      expect(await change({ config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } } })).toEqual([
        {
          path: 'config.networking',
          from: { type: 'unrestricted' },
          to: { type: 'limited', allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: true },
        },
      ]);
      expect(
        await change({ config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['API.example.com', 'api.example.com', '*.pypi.org'] } } }),
      ).toEqual([{ path: 'config.networking.allowed_hosts', from: [], to: ['api.example.com', '*.pypi.org'] }]);
      expect(await change({ config: { type: 'cloud', networking: { type: 'limited', allow_mcp_servers: true } } })).toEqual([
        { path: 'config.networking.allow_mcp_servers', from: false, to: true },
      ]);
      expect(
        await change({ config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['10.0.0.1'], allow_mcp_servers: false } } }),
      ).toEqual([
        { path: 'config.networking.allow_mcp_servers', from: true, to: false },
        { path: 'config.networking.allowed_hosts', from: ['api.example.com', '*.pypi.org'], to: ['10.0.0.1'] },
      ]);
      const switched = await change({ config: { type: 'cloud', networking: { type: 'unrestricted' } } });
      expect(switched).toEqual([
        {
          path: 'config.networking',
          from: { type: 'limited', allowed_hosts: ['10.0.0.1'], allow_mcp_servers: false, allow_package_managers: true },
          to: { type: 'unrestricted' },
        },
      ]);
    });

    it('metadata: each key is a leaf, from null when added, to null when removed', async () => {
      expect(await change({ metadata: { added: 'new' } })).toEqual([{ path: 'metadata.added', from: null, to: 'new' }]);
      expect(await change({ metadata: { change: 'b' } })).toEqual([{ path: 'metadata.change', from: 'a', to: 'b' }]);
      expect(await change({ metadata: { drop: null } })).toEqual([{ path: 'metadata.drop', from: 'x', to: null }]);
      expect(await change({ metadata: { blank: '' } })).toEqual([{ path: 'metadata.blank', from: 'y', to: null }]);
      expect(await change({ metadata: { a1: '1', change: 'c', added: null, keep: 'k', ghost: null } })).toEqual([
        { path: 'metadata.a1', from: null, to: '1' },
        { path: 'metadata.added', from: 'new', to: null },
        { path: 'metadata.change', from: 'b', to: 'c' },
      ]);
    });

    it('several fields at once: each changed leaf exactly once', async () => {
      expect(
        await change(
          {
            name: 'leaves-4',
            description: 'all at once',
            metadata: { keep: 'kept?', a1: null },
            config: { type: 'cloud', packages: { go: ['golang.org/x/tools'] }, networking: { type: 'unrestricted' } },
          },
          b,
        ),
      ).toEqual([
        { path: 'config.packages.go', from: [], to: ['golang.org/x/tools'] },
        { path: 'description', from: null, to: 'all at once' },
        { path: 'metadata.a1', from: '1', to: null },
        { path: 'metadata.keep', from: 'k', to: 'kept?' },
        { path: 'name', from: 'leaves-3', to: 'leaves-4' },
      ]);
    });

    it('archived and deleted operations', async () => {
      const archived = await ok(b, 'POST', `/v1/environments/${id}/archive`);
      const va = await latestVersion(id);
      expectVersionShape(va);
      expect(va.operation).toBe('archived');
      expect(va.version).toBe(current.version + 1);
      expect(va.environment).toEqual(archived.body);
      expect(va.created_by).toEqual(apiActor(keyB.id));
      expect(va.changes).toEqual(expect.arrayContaining([{ path: 'archived_at', from: null, to: archived.body.archived_at }]));
      expect(va.changes.filter((c: Change) => c.path !== 'updated_at' && c.path !== 'version')).toEqual([
        { path: 'archived_at', from: null, to: archived.body.archived_at },
      ]);

      await ok(a, 'DELETE', `/v1/environments/${id}`);
      const vd = await latestVersion(id);
      expectVersionShape(vd);
      expect(vd.operation).toBe('deleted');
      expect(vd.version).toBe(va.version + 1);
      expect(vd.environment).toBeNull();
      expect(vd.created_by).toEqual(apiActor(keyA.id));
    });

    it('a self-hosted environment: metadata and description changes, nothing from the cloud config', async () => {
      const created = await ok(a, 'POST', '/v1/environments', { name: 'self-hosted-leaves', config: { type: 'self_hosted' } });
      id = created.body.id;
      current = created.body;
      const v1 = await latestVersion(id);
      expect(v1.changes).toEqual(expect.arrayContaining([{ path: 'config.type', from: null, to: 'self_hosted' }]));
      expect(v1.changes.some((c: Change) => c.path.startsWith('config.networking') || c.path.startsWith('config.packages'))).toBe(false);
      expect(await change({ metadata: { owner: 'ops' }, description: 'on prem', config: { type: 'self_hosted' } })).toEqual([
        { path: 'description', from: null, to: 'on prem' },
        { path: 'metadata.owner', from: null, to: 'ops' },
      ]);
    });
  });

  describe('GET /v1/environment_versions', () => {
    // This block works in an organization of its own, so that it knows every change made there.
    let keyA: CreatedApiKey;
    let keyB: CreatedApiKey;
    let a: Client;
    let b: Client;
    interface Expected {
      environment_id: string;
      version: number;
      operation: string;
      api_key_id: string;
      request_id: string;
    }
    /** Every change this block makes in test-org, in the order made. */
    const made: Expected[] = [];
    let full: any[];
    let busy: string;
    let e1: string;
    let deletedEnv: string;
    let theirEnv: string;
    const versionOf = new Map<string, number>();

    async function record(key: CreatedApiKey, method: string, path: string, body?: unknown): Promise<HttpResult> {
      const r = await ok({ baseUrl: t.baseUrl, key: key.key }, method, path, body);
      const environmentId = method === 'POST' && path === '/v1/environments' ? r.body.id : path.split('/')[3];
      const version = method === 'DELETE' ? versionOf.get(environmentId)! + 1 : r.body.version;
      if (version === versionOf.get(environmentId)) return r; // a no-op
      versionOf.set(environmentId, version);
      const operation = method === 'DELETE' ? 'deleted' : path.endsWith('/archive') ? 'archived' : version === 1 ? 'created' : 'modified';
      made.push({ environment_id: environmentId, version, operation, api_key_id: key.id, request_id: r.headers.get('request-id')! });
      return r;
    }

    beforeAll(async () => {
      keyA = await t.createKey('history-org');
      keyB = await t.createKey('history-org');
      a = { baseUrl: t.baseUrl, key: keyA.key };
      b = { baseUrl: t.baseUrl, key: keyB.key };

      e1 = (await record(keyA, 'POST', '/v1/environments', { name: 'e1', metadata: { team: 'a' } })).body.id;
      const e2 = (await record(keyA, 'POST', '/v1/environments', { name: 'e2' })).body.id;
      deletedEnv = (await record(keyB, 'POST', '/v1/environments', { name: 'e3', description: 'will go' })).body.id;
      const e4 = (await record(keyB, 'POST', '/v1/environments', { name: 'e4', config: { type: 'self_hosted' } })).body.id;
      busy = (await record(keyB, 'POST', '/v1/environments', { name: 'busy' })).body.id;
      theirEnv = (await ok(other, 'POST', '/v1/environments', { name: 'theirs' })).body.id;
      for (let i = 2; i <= 250; i++) {
        await record(keyB, 'POST', `/v1/environments/${busy}`, { description: `busy ${i}` });
        if (i % 10 === 0) await record(i % 20 ? keyA : keyB, 'POST', `/v1/environments/${e1}`, { metadata: { step: String(i) } });
        if (i % 15 === 0) await record(keyA, 'POST', `/v1/environments/${e4}`, { description: `e4 ${i}` });
        if (i % 25 === 0) await ok(other, 'POST', `/v1/environments/${theirEnv}`, { description: `theirs ${i}` });
        if (i % 50 === 0) {
          const extra = (await record(i % 100 ? keyA : keyB, 'POST', '/v1/environments', { name: `extra-${i}` })).body.id;
          await record(keyA, 'POST', `/v1/environments/${extra}/archive`);
          if (i % 100) await record(keyB, 'DELETE', `/v1/environments/${extra}`);
        }
        if (i === 120) await record(keyA, 'POST', `/v1/environments/${deletedEnv}`, { description: 'going' });
        if (i === 130) await record(keyB, 'DELETE', `/v1/environments/${deletedEnv}`);
        if (i === 200) await record(keyB, 'POST', `/v1/environments/${e2}/archive`);
      }
      await record(keyA, 'POST', `/v1/environments/${e1}/archive`);
      full = (await walk(a, '/v1/environment_versions', 100)).items;
    });

    it('lists every recorded change of the organization once, newest first', async () => {
      expect(full.length).toBe(made.length);
      expect(full.length).toBeGreaterThan(300);
      const newestFirst = [...made].reverse();
      expect(
        full.map((v) => ({
          environment_id: v.environment_id,
          version: v.version,
          operation: v.operation,
          api_key_id: v.created_by.api_key_id,
          request_id: v.request_id,
        })),
      ).toEqual(newestFirst);
      expect(new Set(full.map((v) => v.id)).size).toBe(full.length);
      for (const v of full) expectVersionShape(v);
      for (let i = 1; i < full.length; i++) expect(full[i - 1].created_at >= full[i].created_at).toBe(true);
      // Each version is the same object the environment's own history shows.
      const busyHistory = (await walk(a, `/v1/environments/${busy}/versions`, 100)).items;
      expect(busyHistory).toEqual(full.filter((v) => v.environment_id === busy));
      // The other key sees the same history.
      expect((await walk(b, '/v1/environment_versions', 100)).items).toEqual(full);
    });

    it('filters by each filter alone and by every combination', async () => {
      const times = full.map((v) => v.created_at).sort();
      const values = {
        environment_id: e1,
        operation: 'modified',
        api_key_id: keyA.id,
        'created_at[gte]': times[Math.floor(times.length * 0.3)],
        'created_at[lte]': times[Math.floor(times.length * 0.8)],
      };
      const predicates: Record<keyof typeof values, (v: any) => boolean> = {
        environment_id: (v) => v.environment_id === values.environment_id,
        operation: (v) => v.operation === values.operation,
        api_key_id: (v) => v.created_by.api_key_id === values.api_key_id,
        'created_at[gte]': (v) => v.created_at >= values['created_at[gte]'],
        'created_at[lte]': (v) => v.created_at <= values['created_at[lte]'],
      };
      const names = Object.keys(values) as (keyof typeof values)[];
      for (let mask = 1; mask < 1 << names.length; mask++) {
        const combo = names.filter((_, i) => mask & (1 << i));
        const query = combo.map((k) => `${k}=${encodeURIComponent(values[k])}`).join('&');
        const expected = full.filter((v) => combo.every((k) => predicates[k](v)));
        // Every combination selects something, and something less than everything.
        expect([combo.join('+'), expected.length > 0 && expected.length < full.length]).toEqual([combo.join('+'), true]);
        const limit = [3, 10, 100][mask % 3];
        const { items } = await walk(a, `/v1/environment_versions?${query}`, limit);
        expect([combo.join('+'), items.map((v) => v.id)]).toEqual([combo.join('+'), expected.map((v) => v.id)]);
        expect(items).toEqual(expected);
      }
    });

    it('filters by each operation', async () => {
      for (const operation of ['created', 'modified', 'archived', 'deleted']) {
        const expected = full.filter((v) => v.operation === operation);
        expect(expected.length).toBeGreaterThan(0);
        expect((await walk(a, `/v1/environment_versions?operation=${operation}`, 50)).items).toEqual(expected);
      }
      for (const [key, query] of [
        [keyA, `api_key_id=${keyA.id}`],
        [keyB, `api_key_id=${keyB.id}`],
      ] as const) {
        const expected = full.filter((v) => v.created_by.api_key_id === key.id);
        expect(expected.length).toBeGreaterThan(0);
        expect((await walk(a, `/v1/environment_versions?${query}`, 100)).items).toEqual(expected);
      }
    });

    it('pages through a filtered history of 250 versions with no duplicates and no gaps', async () => {
      const expectedVersions = Array.from({ length: 250 }, (_, i) => 250 - i);
      for (const [query, limit, pageCount] of [
        [`environment_id=${busy}`, 7, 36],
        [`environment_id=${busy}`, 10, 25], // ends exactly at a page boundary
        [`environment_id=${busy}&api_key_id=${keyB.id}`, 50, 5],
        [`environment_id=${busy}&api_key_id=${keyB.id}`, 100, 3],
        [`api_key_id=${keyB.id}&environment_id=${busy}&created_at[lte]=${encodeURIComponent(full[0].created_at)}`, 33, 8],
      ] as const) {
        const { items, pages } = await walk(a, `/v1/environment_versions?${query}`, limit);
        expect(items.map((v) => v.version)).toEqual(expectedVersions);
        expect(new Set(items.map((v) => v.id)).size).toBe(250);
        expect(items.every((v) => v.environment_id === busy)).toBe(true);
        expect(pages).toBe(pageCount);
      }
      const modified = (await walk(a, `/v1/environment_versions?environment_id=${busy}&operation=modified`, 20)).items;
      expect(modified.map((v) => v.version)).toEqual(expectedVersions.slice(0, 249));
    });

    it("keeps listing a deleted environment's history by environment_id", async () => {
      expectNotFound(await http(a, 'GET', `/v1/environments/${deletedEnv}`), 'deleted');
      const history = (await walk(a, `/v1/environment_versions?environment_id=${deletedEnv}`, 2)).items;
      expect(history.map((v) => [v.version, v.operation, v.created_by.api_key_id])).toEqual([
        [3, 'deleted', keyB.id],
        [2, 'modified', keyA.id],
        [1, 'created', keyB.id],
      ]);
      expect(history[0].environment).toBeNull();
      expect(history).toEqual(full.filter((v) => v.environment_id === deletedEnv));
      expect((await walk(a, `/v1/environments/${deletedEnv}/versions`, 100)).items).toEqual(history);
      const onlyDeleted = (await walk(a, `/v1/environment_versions?environment_id=${deletedEnv}&operation=deleted`, 10)).items;
      expect(onlyDeleted).toEqual([history[0]]);
      // Every deleted environment of the organization is still in the history.
      const deletions = full.filter((v) => v.operation === 'deleted');
      expect(deletions.length).toBeGreaterThanOrEqual(3);
      for (const d of deletions) {
        const all = (await walk(a, `/v1/environment_versions?environment_id=${d.environment_id}`, 100)).items;
        expect(all[0]).toEqual(d);
        expect(all[all.length - 1].operation).toBe('created');
        expect(all.map((v) => v.version)).toEqual(Array.from({ length: d.version }, (_, i) => d.version - i));
      }
    });

    it('time filters are inclusive, accept any offset, and can be combined into an empty range', async () => {
      const pivot = full[Math.floor(full.length / 2)].created_at;
      const exact = (await walk(a, `/v1/environment_versions?created_at[gte]=${pivot}&created_at[lte]=${pivot}`, 100)).items;
      expect(exact.length).toBeGreaterThan(0);
      expect(exact).toEqual(full.filter((v) => v.created_at === pivot));
      const gte = (await walk(a, `/v1/environment_versions?created_at[gte]=${pivot}`, 100)).items;
      expect(gte).toEqual(full.filter((v) => v.created_at >= pivot));
      const lte = (await walk(a, `/v1/environment_versions?created_at[lte]=${pivot}`, 100)).items;
      expect(lte).toEqual(full.filter((v) => v.created_at <= pivot));
      // The same instant written with an offset.
      const ms = Date.parse(pivot);
      const local = new Date(ms + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      const withOffset = (await walk(a, `/v1/environment_versions?created_at[gte]=${encodeURIComponent(local)}`, 100)).items;
      expect(withOffset).toEqual(gte);
      // lte before gte: nothing.
      const newest = full[0].created_at;
      const oldest = full[full.length - 1].created_at;
      const r = await ok(a, 'GET', `/v1/environment_versions?created_at[gte]=${newest}&created_at[lte]=${oldest}`);
      expect(r.body).toEqual({ data: [] });
      // Outside the history entirely.
      expect((await ok(a, 'GET', '/v1/environment_versions?created_at[lte]=2000-01-01T00:00:00Z')).body).toEqual({ data: [] });
      expect((await ok(a, 'GET', '/v1/environment_versions?created_at[gte]=2999-01-01T00:00:00.000Z')).body).toEqual({ data: [] });
      expect((await walk(a, '/v1/environment_versions?created_at[gte]=2000-01-01T00:00:00Z', 100)).items).toEqual(full);
    });

    it('rejects a timestamp filter that is not a valid RFC 3339 timestamp with a 400', async () => {
      const badTimes = [
        'yesterday',
        'now',
        '1700000000',
        '2026-13-01T00:00:00Z',
        '2026-01-32T00:00:00Z',
        '2026-02-30T00:00:00Z',
        '2026-04-31T12:00:00Z',
        '2026-01-01T24:00:00Z',
        '2026-01-01T25:00:00Z',
        '2026-01-01T10:61:00Z',
        '2026-01-01T10:00:00', // no offset
        '2026-01-01 10:00:00Z',
        '2026-01-01T10:00:00+25:00',
      ];
      // Collected, so that a failure names every accepted value at once.
      const accepted: string[] = [];
      for (const name of ['created_at[gte]', 'created_at[lte]']) {
        for (const value of badTimes) {
          const r = await http(a, 'GET', `/v1/environment_versions?${name}=${encodeURIComponent(value)}&limit=1`);
          if (r.status !== 400) accepted.push(`${name}=${value} -> ${r.status}`);
          else expectBadRequest(r, `${name}=${value}`);
        }
      }
      expect(accepted).toEqual([]);
    });

    it('rejects a bad operation, a bad limit and a bad cursor with a 400', async () => {
      for (const operation of ['renamed', 'CREATED', 'update', 'created,deleted', '']) {
        expectBadRequest(await http(a, 'GET', `/v1/environment_versions?operation=${operation}`), `operation=${operation}`);
      }
      expectBadRequest(await http(a, 'GET', '/v1/environment_versions?operation=created&operation=deleted'), 'two operations');
      for (const limit of ['0', '101', '-5', 'ten']) {
        expectBadRequest(await http(a, 'GET', `/v1/environment_versions?limit=${limit}`), `limit=${limit}`);
      }
      const good = (await ok(a, 'GET', '/v1/environment_versions?limit=2')).body.next_page as string;
      const perEnvironment = (await ok(a, 'GET', `/v1/environments/${busy}/versions?limit=2`)).body.next_page as string;
      for (const cursor of [
        'nope',
        'page_',
        tamper(good),
        good.slice(0, -4),
        perEnvironment,
        cursorOf({ c: 'yesterday', p: 1 }),
        cursorOf({ c: '2026-01-01T00:00:00.000Z', p: -1 }),
        cursorOf({ c: '2026-01-01T00:00:00.000Z', p: '1' }),
        cursorOf({ c: '2026-01-01T00:00:00Z', p: 1 }),
        cursorOf({ c: '2026-01-01T00:00:00.000Z' }),
      ]) {
        expectBadRequest(await http(a, 'GET', `/v1/environment_versions?page=${encodeURIComponent(cursor)}`), `cursor ${cursor}`);
      }
    });

    it('an unknown environment or key id matches nothing', async () => {
      expect((await ok(a, 'GET', '/v1/environment_versions?environment_id=env_000000000000000000000000')).body).toEqual({ data: [] });
      expect((await ok(a, 'GET', '/v1/environment_versions?api_key_id=apikey_000000000000000000000000')).body).toEqual({ data: [] });
      // Unknown query parameters are ignored.
      expect((await walk(a, '/v1/environment_versions?colour=blue', 100)).items).toEqual(full);
    });

    it("never shows another organization's versions", async () => {
      const ours = new Set(full.map((v) => v.environment_id));
      expect(ours.has(theirEnv)).toBe(false);
      const theirs = (await walk(other, '/v1/environment_versions', 100)).items;
      expect(theirs.length).toBeGreaterThan(0);
      expect(theirs.some((v) => ours.has(v.environment_id))).toBe(false);
      expect(theirs.every((v) => v.created_by.api_key_id === otherKey.id)).toBe(true);
      const theirIds = new Set(theirs.map((v) => v.id));
      expect(full.some((v) => theirIds.has(v.id))).toBe(false);
      // Filters naming their environment or key find nothing here, and ours nothing there.
      expect((await ok(a, 'GET', `/v1/environment_versions?environment_id=${theirEnv}`)).body).toEqual({ data: [] });
      expect((await ok(a, 'GET', `/v1/environment_versions?api_key_id=${otherKey.id}`)).body).toEqual({ data: [] });
      expect((await ok(other, 'GET', `/v1/environment_versions?environment_id=${busy}`)).body).toEqual({ data: [] });
      expect((await ok(other, 'GET', `/v1/environment_versions?environment_id=${deletedEnv}`)).body).toEqual({ data: [] });
      expect((await ok(other, 'GET', `/v1/environment_versions?api_key_id=${keyA.id}`)).body).toEqual({ data: [] });
      expectNotFound(await http(other, 'GET', `/v1/environments/${busy}/versions`), 'their view of our history');
      expectNotFound(await http(other, 'GET', `/v1/environments/${deletedEnv}/versions`), 'their view of our deleted history');
      expectNotFound(await http(other, 'GET', `/v1/environments/${busy}?version=1`), 'their time travel');
      expectNotFound(await http(a, 'GET', `/v1/environments/${theirEnv}?version=1`), 'our time travel in theirs');
      // A cursor from our history does not reveal anything in theirs.
      const cursor = (await ok(a, 'GET', '/v1/environment_versions?limit=1')).body.next_page;
      const r = await ok(other, 'GET', `/v1/environment_versions?limit=100&page=${cursor}`);
      expect(r.body.data.every((v: any) => !ours.has(v.environment_id))).toBe(true);
    });

    it('version ids are unique and match the per-environment histories', async () => {
      const perEnvironment = new Map<string, any[]>();
      for (const v of full) perEnvironment.set(v.environment_id, [...(perEnvironment.get(v.environment_id) ?? []), v]);
      for (const [environmentId, versions] of perEnvironment) {
        const own = (await walk(a, `/v1/environments/${environmentId}/versions`, 100)).items;
        expect(own).toEqual(versions);
        expect(own.map((v) => v.version)).toEqual(Array.from({ length: own.length }, (_, i) => own.length - i));
      }
    });
    it('a walk in progress is not disturbed by new changes', async () => {
      // In an organization of its own, so the other tests of this block keep knowing every change.
      const walker = await t.createKey('walk-org');
      const w = { baseUrl: t.baseUrl, key: walker.key };
      const writer = await t.createKey('walk-org');
      const wb = { baseUrl: t.baseUrl, key: writer.key };
      const scratch = (await ok(wb, 'POST', '/v1/environments', { name: 'walk-target' })).body.id;
      for (let i = 2; i <= 40; i++) await ok(wb, 'POST', `/v1/environments/${scratch}`, { description: `w${i}` });
      const seen: number[] = [];
      let page: string | undefined;
      for (let round = 0; ; round++) {
        const r = await ok(w, 'GET', `/v1/environment_versions?environment_id=${scratch}&limit=9${page ? `&page=${page}` : ''}`);
        seen.push(...r.body.data.map((v: any) => v.version));
        // Meanwhile another client keeps changing the environment.
        await ok(wb, 'POST', `/v1/environments/${scratch}`, { description: `meanwhile ${round}` });
        page = r.body.next_page;
        if (!page) break;
      }
      expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => 40 - i));
      // Unfiltered too: the organization-wide walk sees the 40 + rounds versions that existed when it began, no more.
      const before = (await walk(w, '/v1/environment_versions', 100)).items.length;
      const seenAll: string[] = [];
      page = undefined;
      for (let round = 0; ; round++) {
        const r = await ok(w, 'GET', `/v1/environment_versions?limit=6${page ? `&page=${page}` : ''}`);
        seenAll.push(...r.body.data.map((v: any) => v.id));
        await ok(wb, 'POST', `/v1/environments/${scratch}`, { description: `meanwhile again ${round}` });
        page = r.body.next_page;
        if (!page) break;
      }
      expect(seenAll).toHaveLength(before);
      expect(new Set(seenAll).size).toBe(before);
    });
  });

  describe('GET /v1/environment_versions/verify', () => {
    let t2: TestApp;
    beforeAll(async () => {
      t2 = await startTestApp();
    });
    afterAll(async () => t2.close());

    it('reports a valid chain, then names the event whose row was edited in the database', async () => {
      const mine = { baseUrl: t2.baseUrl, key: t2.key };
      const theirKey = await t2.createKey('neighbour-org');
      const theirs = { baseUrl: t2.baseUrl, key: theirKey.key };
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await ok(mine, 'POST', '/v1/environments', { name: `chain-${i}` });
        ids.push(created.body.id);
        await ok(mine, 'POST', `/v1/environments/${created.body.id}`, { description: `d${i}` });
        await ok(theirs, 'POST', '/v1/environments', { name: `neighbour-${i}` });
      }
      await ok(mine, 'POST', `/v1/environments/${ids[1]}/archive`);
      await ok(mine, 'DELETE', `/v1/environments/${ids[2]}`);
      const history = (await walk(mine, '/v1/environment_versions', 100)).items;
      expect(history).toHaveLength(12);

      // Each organization's chain starts with the creation of its first key, then its 12 (and 5) environment changes.
      const r = await ok(mine, 'GET', '/v1/environment_versions/verify');
      expect(r.body).toEqual({
        type: 'audit_chain_verification',
        valid: true,
        events_checked: 13,
        head: { chain_seq: 13, hash: expect.stringMatching(/^[0-9a-f]{64}$/), event_position: expect.any(Number) },
        problem: null,
        // No checkpoint directory is configured.
        checkpoint: null,
      });
      const neighbour = await ok(theirs, 'GET', '/v1/environment_versions/verify');
      expect(neighbour.body).toMatchObject({ type: 'audit_chain_verification', valid: true, events_checked: 6, problem: null });
      expect((await http({ baseUrl: t2.baseUrl, key: 'sk-sb-wrong' }, 'GET', '/v1/environment_versions/verify')).status).toBe(401);

      // Edit the fifth environment event of test-org behind the service's back.
      const org = (await t2.db.query<{ id: string }>(sql`SELECT id FROM organizations WHERE name = 'test-org'`))[0].id;
      const events = await t2.db.query<{ position: number | string; event_id: string; data: unknown }>(
        sql`SELECT position, event_id, data FROM events WHERE organization_id = ${org} ORDER BY position`,
      );
      expect(events).toHaveLength(13);
      const target = events[5];
      const data = typeof target.data === 'string' ? JSON.parse(target.data) : target.data;
      await t2.db.execute(sql`UPDATE events SET data = ${JSON.stringify({ ...data, name: 'forged-name' })} WHERE event_id = ${target.event_id}`);
      const broken = await ok(mine, 'GET', '/v1/environment_versions/verify');
      expect(broken.body).toMatchObject({
        type: 'audit_chain_verification',
        valid: false,
        problem: { event_id: target.event_id, event_position: Number(target.position) },
      });
      expect(broken.body.problem.message).toContain(target.event_id);
      // The events before it still verified; the other organization's chain is untouched.
      expect(broken.body.events_checked).toBe(5);
      expect((await ok(theirs, 'GET', '/v1/environment_versions/verify')).body).toMatchObject({ valid: true, events_checked: 6 });

      // Put it back: valid again. Then tamper with a later event's metadata (who made it).
      await t2.db.execute(sql`UPDATE events SET data = ${JSON.stringify(data)} WHERE event_id = ${target.event_id}`);
      expect((await ok(mine, 'GET', '/v1/environment_versions/verify')).body).toMatchObject({ valid: true, events_checked: 13 });
      const later = events[10];
      const meta = (await t2.db.query<{ metadata: unknown }>(sql`SELECT metadata FROM events WHERE event_id = ${later.event_id}`))[0].metadata;
      const parsed = typeof meta === 'string' ? JSON.parse(meta) : meta;
      await t2.db.execute(sql`UPDATE events SET metadata = ${JSON.stringify({ ...parsed, actor: { type: 'api_actor', api_key_id: theirKey.id } })} WHERE event_id = ${later.event_id}`);
      const again = await ok(mine, 'GET', '/v1/environment_versions/verify');
      expect(again.body).toMatchObject({ valid: false, events_checked: 10, problem: { event_id: later.event_id, event_position: Number(later.position) } });
    });
  });
});
