import { randomBytes } from 'node:crypto';
import { http, TestApp } from './test-app';

/** What the API's objects look like and how tests make them: shared constants and fixtures of the e2e specs. */

/** Who calls the API: a base URL and a key. */
export type Client = Pick<TestApp, 'baseUrl' | 'key'>;

/** The keys of the Environment object in the API contract, sorted. */
export const ENVIRONMENT_KEYS = [
  'archived_at', 'config', 'created_at', 'description', 'id', 'metadata', 'name', 'scope', 'type', 'updated_at', 'version',
];
export const ENV_ID = /^env_[0-9A-Za-z]{24}$/;
/** An ISO 8601 UTC timestamp with milliseconds, as the API writes every time. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const EMPTY_PACKAGES = { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };
export const DEFAULT_CONFIG = { type: 'cloud', networking: { type: 'unrestricted' }, packages: EMPTY_PACKAGES };

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` random base62 characters. */
export function randomBase62(length: number): string {
  let s = '';
  for (const byte of randomBytes(length)) s += BASE62[byte % 62];
  return s;
}

/** A well-formed environment id that no environment has. */
export const randomEnvironmentId = (): string => `env_${randomBase62(24)}`;

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

/** A timestamp as the API writes it: ISO 8601 UTC with milliseconds, and a real instant. */
export function expectTimestamp(value: unknown): void {
  expect(value).toMatch(TIMESTAMP);
  expect(new Date(value as string).toISOString()).toBe(value);
}

/** A packages object naming every package manager, as sent and as answered. */
export const EVERY_MANAGER_PACKAGES = {
  type: 'packages' as const,
  apt: ['libpq-dev'],
  cargo: ['ripgrep'],
  gem: ['rails'],
  go: ['golang.org/x/tools/gopls@latest'],
  npm: ['typescript@5.9'],
  pip: ['pandas', 'numpy==2.1'],
};

/** The networking of the API reference's example environment ("python-data-analysis"). */
export const REFERENCE_NETWORKING = {
  type: 'limited' as const,
  allowed_hosts: ['api.example.com'],
  allow_mcp_servers: false,
  allow_package_managers: true,
};
export const REFERENCE_DESCRIPTION = 'Python environment with data-analysis packages.';

/** The body creating the API reference's example environment as it is before its Update example (pip pandas, numpy). */
export function referenceEnvironment(name: string): Record<string, unknown> {
  return {
    name,
    description: REFERENCE_DESCRIPTION,
    config: { type: 'cloud', networking: REFERENCE_NETWORKING, packages: { type: 'packages', pip: ['pandas', 'numpy'] } },
  };
}

/** The config of the reference's example environment as the API answers it, with `pip` as given. */
export function referenceConfig(pip: string[]): Record<string, unknown> {
  return { type: 'cloud', networking: REFERENCE_NETWORKING, packages: { ...EMPTY_PACKAGES, pip } };
}

/** A create body with every field set: mixed-case and duplicate hosts, every package manager, metadata. */
export function fullEnvironment(name: string) {
  return {
    name,
    description: REFERENCE_DESCRIPTION,
    config: {
      type: 'cloud' as const,
      networking: {
        type: 'limited' as const,
        allowed_hosts: ['API.Example.com', '*.pypi.org', '10.0.0.1', '::1', 'api.example.com'],
        allow_mcp_servers: true,
        allow_package_managers: true,
      },
      packages: EVERY_MANAGER_PACKAGES,
    },
    metadata: { team: 'ml', cost_center: '42' },
    scope: 'organization' as const,
  };
}

/** What the API answers to create `fullEnvironment(name)`: hosts lower-cased and de-duplicated, version 1, not archived. */
export function fullEnvironmentAnswer(name: string): Record<string, unknown> {
  return {
    id: expect.stringMatching(ENV_ID),
    type: 'environment',
    name,
    description: REFERENCE_DESCRIPTION,
    config: {
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: ['api.example.com', '*.pypi.org', '10.0.0.1', '::1'],
        allow_mcp_servers: true,
        allow_package_managers: true,
      },
      packages: EVERY_MANAGER_PACKAGES,
    },
    metadata: { cost_center: '42', team: 'ml' },
    scope: 'organization',
    version: 1,
    archived_at: null,
    created_at: expect.stringMatching(TIMESTAMP),
    updated_at: expect.stringMatching(TIMESTAMP),
  };
}
