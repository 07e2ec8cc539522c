import { runCli } from '../support/cli';
import { pick as pickWith, seededRandom } from '../support/random';
import { http, startTestApp, TestApp } from '../support/test-app';
import { sql } from '../../src/database/sql';

jest.setTimeout(300_000);

/**
 * The read models are a function of the event log: after 1,000 random
 * operations `projections verify` finds no difference, a corrupted row is
 * named, and `projections rebuild` leaves every API answer as it was.
 */
describe('projections verify and rebuild', () => {
  let t: TestApp;
  let env: Record<string, string>;
  const ids: string[] = [];

  beforeAll(async () => {
    // 1,000 writes in seconds with one key: more than the default write rate limit allows.
    t = await startTestApp();
    env = { DATABASE_URL: t.database.url };
    const random = seededRandom(7);
    const pick = <T>(items: T[]): T => pickWith(random, items);
    const managers = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'];
    for (let i = 0; i < 1000; i++) {
      const roll = random();
      if (roll < 0.2 || ids.length < 5) {
        const r = await http(t, 'POST', '/v1/environments', {
          body: {
            name: `r-${i}`,
            // Several metadata keys, sent out of order: PostgreSQL's jsonb hands
            // them back reordered, and a rebuild must still reproduce `changes`.
            metadata: pick([undefined, { team: pick(['a', 'b']) }, { zz_owner_longest: `o${i}`, team: 'a', ab: '1' }]),
            config: pick([
              undefined,
              { type: 'self_hosted' },
              {
                type: 'cloud',
                networking: { allow_mcp_servers: true, type: 'limited', allowed_hosts: ['x.example.com'] },
                packages: { pip: ['pandas'], apt: ['curl'] },
              },
            ]),
          },
        });
        if (r.status === 200) ids.push(r.body.id);
        continue;
      }
      const id = pick(ids);
      if (roll < 0.75) {
        const body = pick<Record<string, unknown>>([
          { description: pick(['x', '', null, `d${i}`]) },
          { name: pick([`r-${i}`, `renamed-${i}`, 'r-0']) },
          { metadata: { [pick(['team', 'owner', 'tier'])]: pick(['1', '2', null, '']) } },
          { config: { type: 'cloud', packages: { [pick(managers)]: pick([[], ['a'], ['a', 'b']]) } } },
          { config: { type: 'cloud', networking: pick([{ type: 'unrestricted' }, { type: 'limited', allow_package_managers: true }, { type: 'limited', allowed_hosts: ['x.example.com'] }]) } },
          { config: { type: 'self_hosted' } },
          { name: '' },
          {},
        ]);
        await http(t, 'POST', `/v1/environments/${id}`, { body });
      } else if (roll < 0.9) {
        await http(t, 'POST', `/v1/environments/${id}/archive`);
      } else {
        await http(t, 'DELETE', `/v1/environments/${id}`);
      }
    }
  });
  afterAll(async () => t.close());

  /** Every answer of the read side, for comparison before and after a rebuild. */
  async function snapshot(): Promise<unknown> {
    const list: unknown[] = [];
    for (let page: string | undefined, first = true; first || page; first = false) {
      const r = await http(t, 'GET', `/v1/environments?include_archived=true&limit=100${page ? `&page=${page}` : ''}`);
      list.push(...r.body.data);
      page = r.body.next_page;
    }
    const perEnvironment: Record<string, unknown> = {};
    for (const id of ids) {
      const current = await http(t, 'GET', `/v1/environments/${id}`);
      const versions = await http(t, 'GET', `/v1/environments/${id}/versions?limit=100`);
      // Deleted environments answer 404; each answer has its own request id.
      const { request_id: _ignored, ...currentBody } = current.body;
      perEnvironment[id] = { status: current.status, current: currentBody, versions: versions.body };
    }
    const history: unknown[] = [];
    for (let page: string | undefined, first = true; first || page; first = false) {
      const r = await http(t, 'GET', `/v1/environment_versions?limit=100${page ? `&page=${page}` : ''}`);
      history.push(...r.body.data);
      page = r.body.next_page;
    }
    return { list, perEnvironment, history };
  }

  it('finds no difference after 1,000 random operations', async () => {
    const result = await runCli(['projections', 'verify', '--json'], env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.differences).toEqual([]);
    const events = await t.db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM events`);
    expect(report.events).toBe(Number(events[0].n));
    expect(report.events).toBeGreaterThan(300);
  });

  it('leaves the API answering exactly as before after a rebuild', async () => {
    const before = await snapshot();
    const result = await runCli(['projections', 'rebuild', '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ events: expect.any(Number), environments: expect.any(Number) });
    expect(await snapshot()).toEqual(before);
    expect((await runCli(['projections', 'verify'], env)).code).toBe(0);
  });

  it('names a read-model row that no longer matches the log, and a rebuild repairs it', async () => {
    const live = await t.db.query<{ id: string }>(sql`SELECT id FROM environments ORDER BY id LIMIT 1`);
    await t.db.execute(sql`UPDATE environments SET description = 'edited behind the log' WHERE id = ${live[0].id}`);
    const version = await t.db.query<{ id: string }>(sql`SELECT id FROM environment_versions ORDER BY id LIMIT 1`);
    await t.db.execute(sql`DELETE FROM environment_versions WHERE id = ${version[0].id}`);
    const result = await runCli(['projections', 'verify', '--json'], env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.differences).toEqual(
      expect.arrayContaining([
        { table: 'environments', id: live[0].id, problem: 'differs', columns: ['description'] },
        { table: 'environment_versions', id: version[0].id, problem: 'missing from live table' },
      ]),
    );
    expect((await runCli(['projections', 'rebuild'], env)).code).toBe(0);
    expect((await runCli(['projections', 'verify'], env)).code).toBe(0);
    expect((await http(t, 'GET', `/v1/environments/${live[0].id}`)).body.description).not.toBe('edited behind the log');
  });
});
