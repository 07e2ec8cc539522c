import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  createEnvironment,
  freshOrganization,
  REFERENCE_DESCRIPTION,
  referenceConfig,
  referenceEnvironment,
} from '../support/fixtures';
import { listOrder } from '../support/ordering';
import { decodeCursor } from '../support/paging';
import { http, TestApp, withTestApp } from '../support/test-app';

const run = promisify(execFile);

/**
 * The curl examples of the API reference (Update Environment, List
 * Environments) run with the real curl binary. The arguments are the
 * reference's own, word for word; only the host, the key and (necessarily)
 * the environment id are swapped. `--silent --show-error --write-out` are
 * added after them so that the test can read the status; they change nothing
 * that is sent.
 */
const REFERENCE_HOST = 'https://api.sandbase.ai';
const REFERENCE_KEY = 'sk-sb-YOUR_KEY';
const REFERENCE_ID = 'env_011CZkZ9X2dpNyB7HsEFoRfW';

/** The Update Environment example, as in the API reference. */
const UPDATE_EXAMPLE = [
  '-X',
  'POST',
  `${REFERENCE_HOST}/v1/environments/${REFERENCE_ID}`,
  '-H',
  `Authorization: Bearer ${REFERENCE_KEY}`,
  '-H',
  'Content-Type: application/json',
  '-d',
  `{
    "config": {
      "type": "cloud",
      "packages": { "type": "packages", "pip": ["pandas", "numpy", "scikit-learn"] }
    }
  }`,
];

/** The List Environments example, as in the API reference. */
const LIST_EXAMPLE = [`${REFERENCE_HOST}/v1/environments?limit=20`, '-H', `Authorization: Bearer ${REFERENCE_KEY}`];

/** The keys of the reference's Environment objects (the service may add its extensions, scope and version). */
const REFERENCE_ENVIRONMENT_KEYS = [
  'archived_at', 'config', 'created_at', 'description', 'id', 'metadata', 'name', 'type', 'updated_at',
];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

interface CurlResult {
  status: number;
  body: any;
}

function swap(args: string[], baseUrl: string, key: string, id?: string): string[] {
  return args.map((arg) => {
    let out = arg.split(REFERENCE_HOST).join(baseUrl).split(REFERENCE_KEY).join(key);
    if (id) out = out.split(REFERENCE_ID).join(id);
    return out;
  });
}

async function curl(args: string[]): Promise<CurlResult> {
  const marker = '\n--status--';
  const { stdout } = await run('curl', [...args, '--silent', '--show-error', '--write-out', `${marker}%{http_code}`]);
  const at = stdout.lastIndexOf(marker);
  return { status: Number(stdout.slice(at + marker.length)), body: JSON.parse(stdout.slice(0, at)) };
}

describe('the API reference’s curl examples', () => {
  let t: TestApp;

  withTestApp((app) => (t = app));

  describe('Update Environment', () => {
    it('replaces pip and preserves every other field, answering with the reference’s Environment shape', async () => {
      // The environment of the reference example, as it was before the update (the List page shows pip [pandas, numpy]).
      const name = `python-data-analysis-${randomBytes(3).toString('hex')}`;
      const before = await createEnvironment(t, referenceEnvironment(name));

      const { status, body } = await curl(swap(UPDATE_EXAMPLE, t.baseUrl, t.key, before.id));
      expect(status).toBe(200);
      for (const key of REFERENCE_ENVIRONMENT_KEYS) expect(body).toHaveProperty(key);
      expect(body).toMatchObject({
        id: before.id,
        type: 'environment',
        name,
        description: REFERENCE_DESCRIPTION,
        config: referenceConfig(['pandas', 'numpy', 'scikit-learn']),
        metadata: {},
        archived_at: null,
        created_at: before.created_at,
      });
      expect(body.config).toEqual({
        ...before.config,
        packages: { ...before.config.packages, pip: ['pandas', 'numpy', 'scikit-learn'] },
      });
      expect(body.created_at).toMatch(TIMESTAMP);
      expect(body.updated_at).toMatch(TIMESTAMP);
      expect(body.updated_at >= before.updated_at).toBe(true);
      // Every field the example did not send is as it was.
      const { config: _c, updated_at: _u, version: _v, ...rest } = body;
      const { config: _c0, updated_at: _u0, version: _v0, ...restBefore } = before;
      expect(rest).toEqual(restBefore);

      // The change is stored: retrieve shows the same object.
      const retrieved = await http(t, 'GET', `/v1/environments/${before.id}`);
      expect(retrieved.body).toEqual(body);

      // Sending the example again changes nothing.
      const again = await curl(swap(UPDATE_EXAMPLE, t.baseUrl, t.key, before.id));
      expect(again.status).toBe(200);
      expect(again.body).toEqual(body);
    });

    it('answers an unknown id with a 404 in the error envelope', async () => {
      const { status, body } = await curl(swap(UPDATE_EXAMPLE, t.baseUrl, t.key));
      expect(status).toBe(404);
      expect(body).toMatchObject({ type: 'error', error: { type: 'not_found_error' }, request_id: expect.stringMatching(/^req_/) });
    });

    it('answers a wrong key with a 401', async () => {
      const { status, body } = await curl(swap(UPDATE_EXAMPLE, t.baseUrl, 'sk-sb-YOUR_KEY'));
      expect(status).toBe(401);
      expect(body.error.type).toBe('authentication_error');
    });
  });

  describe('List Environments', () => {
    it('?limit=20 returns the page shape of the reference', async () => {
      const org = await freshOrganization(t);
      const created = await createEnvironment(org, referenceEnvironment('python-data-analysis'));

      const { status, body } = await curl(swap(LIST_EXAMPLE, t.baseUrl, org.key));
      expect(status).toBe(200);
      expect(Object.keys(body)).toEqual(['data']); // the last page: no next_page key at all
      expect(body.data).toHaveLength(1);
      const env = body.data[0];
      for (const key of REFERENCE_ENVIRONMENT_KEYS) expect(env).toHaveProperty(key);
      expect(env).toMatchObject({
        id: created.id,
        type: 'environment',
        name: 'python-data-analysis',
        description: REFERENCE_DESCRIPTION,
        config: referenceConfig(['pandas', 'numpy']),
        metadata: {},
        archived_at: null,
      });
      expect(env.created_at).toMatch(TIMESTAMP);
      expect(env.updated_at).toBe(env.created_at);
      expect(env).toEqual(created);
    });

    it('with more than 20 environments: 20 items and a next_page cursor like the reference’s', async () => {
      const org = await freshOrganization(t);
      const created: { id: string; created_at: string }[] = [];
      for (let i = 0; i < 21; i++) created.push(await createEnvironment(org, { name: `reference-env-${i}` }));
      // List order: newest first; environments created in the same millisecond by id, descending.
      const ids = created.sort(listOrder).map((environment) => environment.id);
      const first = await curl(swap(LIST_EXAMPLE, t.baseUrl, org.key));
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(['data', 'next_page']);
      expect(first.body.data.map((e: any) => e.id)).toEqual(ids.slice(0, 20));
      const position = decodeCursor(first.body.next_page);
      expect(typeof position).toBe('object');

      // "pass it back as the page parameter": the same example with &page=.
      const nextArgs = swap(LIST_EXAMPLE, t.baseUrl, org.key);
      nextArgs[0] += `&page=${first.body.next_page}`;
      const second = await curl(nextArgs);
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ data: [expect.objectContaining({ id: ids[20] })] });
    });
  });
});
