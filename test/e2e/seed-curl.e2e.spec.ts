import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { http, startTestApp, TestApp } from '../support/test-app';

const run = promisify(execFile);

/**
 * The curl examples of the two seed pages (Update Environment, List
 * Environments), run verbatim with the real curl binary: only the host and
 * the key are swapped.
 */
describe('the seed pages’ curl examples', () => {
  let t: TestApp;
  let id: string;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await http(t, 'POST', '/v1/environments', {
      body: {
        name: 'python-data-analysis',
        description: 'Python environment with data-analysis packages.',
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: false, allow_package_managers: true },
          packages: { type: 'packages', pip: ['pandas', 'numpy'] },
        },
      },
    });
    id = created.body.id;
  });
  afterAll(async () => t.close());

  async function curl(args: string[]): Promise<any> {
    const { stdout } = await run('curl', ['-s', '-S', '--fail-with-body', ...args]);
    return JSON.parse(stdout);
  }

  it('Update Environment: replaces pip and preserves everything else', async () => {
    const body = await curl([
      '-X', 'POST', `${t.baseUrl}/v1/environments/${id}`,
      '-H', `Authorization: Bearer ${t.key}`,
      '-H', 'Content-Type: application/json',
      '-d', `{
    "config": {
      "type": "cloud",
      "packages": { "type": "packages", "pip": ["pandas", "numpy", "scikit-learn"] }
    }
  }`,
    ]);
    expect(body).toMatchObject({
      id,
      type: 'environment',
      name: 'python-data-analysis',
      description: 'Python environment with data-analysis packages.',
      config: {
        type: 'cloud',
        networking: { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: false, allow_package_managers: true },
        packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: ['pandas', 'numpy', 'scikit-learn'] },
      },
      metadata: {},
      archived_at: null,
    });
    expect(body.updated_at > body.created_at).toBe(true);
  });

  it('List Environments: ?limit=20 with a Bearer key', async () => {
    const body = await curl([`${t.baseUrl}/v1/environments?limit=20`, '-H', `Authorization: Bearer ${t.key}`]);
    expect(body).toEqual({ data: [expect.objectContaining({ id, name: 'python-data-analysis' })] });
    expect(body).not.toHaveProperty('next_page');
  });
});
