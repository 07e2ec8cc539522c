import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { uniqueName } from '../support/fixtures';
import { http, startTestApp, TestApp } from '../support/test-app';

/**
 * The request bodies the description documents are the ones the service
 * takes: a body the documented schema refuses is a 400, and a body the
 * service accepts matches the documented schema. (The service also applies
 * value rules the schema states only in words: lengths, hostnames.)
 */
describe('API description: request bodies', () => {
  let t: TestApp;
  let admin: TestApp;
  let validatorOf: (path: string) => (body: unknown) => boolean;
  beforeAll(async () => {
    t = await startTestApp();
    admin = { ...t, key: (await t.createKey('test-org', { scope: 'admin' })).key };
    const document = (await http(t, 'GET', '/openapi.json', { key: null })).body;
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(document, 'openapi.json');
    validatorOf = (path) => {
      const validate = ajv.compile({ $ref: `openapi.json#/paths/${encodeURIComponent(path.replace(/\//g, '~1'))}/post/requestBody/content/application~1json/schema` });
      return (body) => validate(body) as boolean;
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  const environmentBodies = (): unknown[] => [
    { name: uniqueName('req') },
    { name: uniqueName('req'), description: null, metadata: { a: 'b' } },
    { name: uniqueName('req'), config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['example.com'] } } },
    { name: uniqueName('req'), config: { type: 'self_hosted' } },
    { name: uniqueName('req'), config: { networking: null, packages: { pip: ['numpy'] } } },
    { name: 42 },
    { name: uniqueName('req'), extra: true },
    { name: uniqueName('req'), config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [1] } } },
    { name: uniqueName('req'), config: { networking: { unknown: 1 } } },
    { name: uniqueName('req'), config: [] },
    { name: uniqueName('req'), metadata: 'x' },
    { description: 'no name' },
    { name: uniqueName('req'), config: { packages: { pip: 'numpy' } } },
  ];

  const keyBodies = (): unknown[] => [
    { name: uniqueName('key') },
    { name: uniqueName('key'), scope: 'read', expires_at: null },
    { name: uniqueName('key'), scope: null },
    { name: uniqueName('key'), scope: 'root' },
    { scope: 'read' },
    { name: 1 },
    { name: uniqueName('key'), other: 1 },
    { name: uniqueName('key'), expires_at: 5 },
  ];

  it.each([
    ['/v1/environments', environmentBodies],
    ['/v1/api_keys', keyBodies],
  ])('POST %s: refused by the schema means 400; accepted by the service means the schema accepts', async (path, bodies) => {
    const valid = validatorOf(path);
    const outcomes = [];
    for (const body of bodies()) {
      const response = await http(admin, 'POST', path, { body });
      outcomes.push({ body, schema: valid(body), status: response.status });
    }
    const broken = outcomes.filter((o) => (!o.schema && o.status !== 400) || (o.status === 200 && !o.schema));
    expect(broken).toEqual([]);
    expect(outcomes.some((o) => o.status === 200)).toBe(true);
    expect(outcomes.some((o) => !o.schema)).toBe(true);
  });
});
