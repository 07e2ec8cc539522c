import { randomBytes } from 'node:crypto';
import { http, TestApp } from './test-app';

/** Who calls the API: a base URL and a key. */
export type Client = Pick<TestApp, 'baseUrl' | 'key'>;

let counter = 0;

/** A name no other test in this process uses: `<prefix>-<n>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${++counter}-${randomBytes(4).toString('hex')}`;
}

/** A client of a brand-new organization, so that counts in its lists are exact. */
export async function freshOrganization(t: TestApp): Promise<Client> {
  const created = await t.createKey(uniqueName('org'));
  return { baseUrl: t.baseUrl, key: created.key };
}

/** Creates an environment with a unique name (unless `body` names it) and expects a 200. */
export async function createEnvironment(client: Client, body: Record<string, unknown> = {}): Promise<any> {
  const response = await http(client, 'POST', '/v1/environments', { body: { name: uniqueName('env'), ...body } });
  expect(response.status).toBe(200);
  return response.body;
}
