import { sql } from '../../src/database/sql';
import { allPages } from '../support/paging';
import { http, HttpResult, TestApp, withTestApp } from '../support/test-app';

/**
 * Many clients at once over real HTTP: without If-Match no write is lost,
 * with it exactly one of the racers wins; names stay unique; every recorded
 * change is one event at the next stream version.
 */
jest.setTimeout(180_000);

interface EventRow {
  stream_version: number | string;
  data: unknown;
}

/** `data` is JSON text on SQLite and already an object (jsonb) on PostgreSQL. */
function parseData(data: unknown): unknown {
  return typeof data === 'string' ? JSON.parse(data) : data;
}

/** Every value held under a `description` key anywhere in an event's data. */
function descriptionsIn(value: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) {
    for (const item of value) descriptionsIn(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'description') found.push(inner);
      descriptionsIn(inner, found);
    }
  }
  return found;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('concurrent writers', () => {
  let t: TestApp;
  let orgs = 0;
  /** Left by the 50-updates test for the audit-history test after it. */
  let fiftyUpdated: { id: string; descriptions: string[] } | undefined;

  /** A key of an organization of its own, so that listings see only what the test created. */
  async function isolatedKey(): Promise<string> {
    return (await t.createKey(`concurrency-org-${++orgs}-${Math.random().toString(36).slice(2, 8)}`)).key;
  }

  async function create(body: Record<string, unknown>, key = t.key): Promise<any> {
    const response = await http(t, 'POST', '/v1/environments', { body, key });
    expect(response.status).toBe(200);
    return response.body;
  }

  /** Every environment of the organization of `key`, archived ones too, page by page. */
  const listAll = (key: string): Promise<any[]> => allPages({ baseUrl: t.baseUrl, key }, '/v1/environments?include_archived=true', 100);

  withTestApp((app) => (t = app));

  it('applies 50 simultaneous updates one after another: none lost, versions 1..51 without gaps', async () => {
    const env = await create({ name: 'fifty-updates', description: 'initial' });
    const descriptions = range(1, 50).map((i) => `concurrent description #${i}`);

    const responses = await Promise.all(
      descriptions.map((description) => http(t, 'POST', `/v1/environments/${env.id}`, { body: { description } })),
    );

    expect(responses.map((r) => r.status)).toEqual(descriptions.map(() => 200));
    // Each update was applied to the latest state: each answered with its own version.
    expect(responses.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(range(2, 51));
    for (const response of responses) expect(response.headers.get('etag')).toBe(`"${response.body.version}"`);
    for (const [i, response] of responses.entries()) expect(response.body.description).toBe(descriptions[i]);

    const current = await http(t, 'GET', `/v1/environments/${env.id}`);
    expect(current.status).toBe(200);
    expect(current.body.version).toBe(51);
    const last = responses.find((r) => r.body.version === 51)!;
    expect(current.body.description).toBe(last.body.description);
    expect(current.body.updated_at).toBe(last.body.updated_at);

    // The event log: one event per recorded change, stream versions 1..51 without gaps, every description in it.
    const rows = await t.db.query<EventRow>(sql`SELECT stream_version, data FROM events WHERE stream_id = ${`environment-${env.id}`} ORDER BY stream_version`);
    expect(rows.map((row) => Number(row.stream_version))).toEqual(range(1, 51));
    const logged = rows.slice(1).flatMap((row) => descriptionsIn(parseData(row.data)));
    for (const description of descriptions) expect(logged).toContain(description);
    expect(descriptionsIn(parseData(rows[0].data))).toContain('initial');

    // As of each version N (GET ?version=N), the environment holds the description that version set.
    const asOf = await Promise.all(range(2, 51).map((n) => http(t, 'GET', `/v1/environments/${env.id}?version=${n}`)));
    expect(asOf.map((r) => r.status)).toEqual(range(2, 51).map(() => 200));
    expect(asOf.map((r) => r.body.version)).toEqual(range(2, 51));
    expect(asOf.map((r) => r.body.description).sort()).toEqual([...descriptions].sort());
    fiftyUpdated = { id: env.id, descriptions };
  });

  it('reports the 50 simultaneous updates in the audit history as 50 modifications, each from the previous state', async () => {
    expect(fiftyUpdated).toBeDefined();
    const { id, descriptions } = fiftyUpdated!;
    const history = await http(t, 'GET', `/v1/environments/${id}/versions?limit=100`);
    expect(history.status).toBe(200);
    expect(history.body.next_page).toBeUndefined();
    const versions = [...history.body.data].sort((a: any, b: any) => a.version - b.version);
    expect(versions.map((v: any) => v.version)).toEqual(range(1, 51));
    expect(versions[0].operation).toBe('created');
    const modified = versions.slice(1);
    for (const version of modified) expect(version.operation).toBe('modified');
    expect(modified.map((v: any) => v.environment.description).sort()).toEqual([...descriptions].sort());
    for (let i = 1; i < versions.length; i++) {
      expect(versions[i].changes).toContainEqual({
        path: 'description',
        from: versions[i - 1].environment.description,
        to: versions[i].environment.description,
      });
    }
  });

  it('keeps all 16 metadata keys added by 16 simultaneous updates', async () => {
    const env = await create({ name: 'sixteen-keys' });
    const keys = range(1, 16).map((i) => `key_${String(i).padStart(2, '0')}`);

    const responses = await Promise.all(
      keys.map((key) => http(t, 'POST', `/v1/environments/${env.id}`, { body: { metadata: { [key]: `value of ${key}` } } })),
    );
    expect(responses.map((r) => r.status)).toEqual(keys.map(() => 200));
    for (const [i, response] of responses.entries()) expect(response.body.metadata[keys[i]]).toBe(`value of ${keys[i]}`);

    const current = await http(t, 'GET', `/v1/environments/${env.id}`);
    expect(current.body.metadata).toEqual(Object.fromEntries(keys.map((key) => [key, `value of ${key}`])));
    expect(current.body.version).toBe(17);

    // The merged result is at the limit: one more key is refused and changes nothing.
    const seventeenth = await http(t, 'POST', `/v1/environments/${env.id}`, { body: { metadata: { key_17: 'x' } } });
    expect(seventeenth.status).toBe(400);
    expect(seventeenth.body.error.details).toEqual({ error_code: 'invalid_metadata' });
    expect((await http(t, 'GET', `/v1/environments/${env.id}`)).body).toEqual(current.body);
  });

  it('creates 50 environments from 50 simultaneous requests, all distinct and all listed', async () => {
    const key = await isolatedKey();
    const names = range(1, 50).map((i) => `simultaneous-${i}`);

    const responses = await Promise.all(names.map((name) => http(t, 'POST', '/v1/environments', { body: { name }, key })));

    expect(responses.map((r) => r.status)).toEqual(names.map(() => 200));
    expect(responses.map((r) => r.body.name)).toEqual(names);
    const ids = responses.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(50);
    for (const response of responses) expect(response.body.version).toBe(1);

    const listed = await listAll(key);
    expect(listed.map((env) => env.id).sort()).toEqual([...ids].sort());
    for (const response of responses) expect(listed).toContainEqual(response.body);
  });

  it('lets exactly one of 20 simultaneous creates with the same name win; the rest are 409 environment_name_taken', async () => {
    const key = await isolatedKey();
    const responses: HttpResult[] = await Promise.all(
      range(1, 20).map((i) =>
        http(t, 'POST', '/v1/environments', { body: { name: 'contested-name', description: `attempt ${i}` }, key }),
      ),
    );

    const winners = responses.filter((r) => r.status === 200);
    const losers = responses.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) {
      expect(loser.status).toBe(409);
      expect(loser.body).toEqual({
        type: 'error',
        error: { type: 'conflict_error', message: expect.any(String), details: { error_code: 'environment_name_taken' } },
        request_id: loser.headers.get('request-id'),
      });
      expect(loser.headers.get('x-should-retry')).toBe('false');
    }

    const listed = await listAll(key);
    expect(listed).toEqual([winners[0].body]);
  });

  it('with If-Match on the same version, exactly one of the simultaneous updates succeeds; the rest are 412', async () => {
    const env = await create({ name: 'if-match-race' });

    for (const round of [1, 2]) {
      const current = (await http(t, 'GET', `/v1/environments/${env.id}`)).body;
      expect(current.version).toBe(round);
      const responses = await Promise.all(
        range(1, 12).map((i) =>
          http(t, 'POST', `/v1/environments/${env.id}`, {
            body: { description: `round ${round} writer ${i}` },
            headers: { 'if-match': `"${current.version}"` },
          }),
        ),
      );

      const winners = responses.filter((r) => r.status === 200);
      const losers = responses.filter((r) => r.status !== 200);
      expect(winners).toHaveLength(1);
      expect(winners[0].body.version).toBe(round + 1);
      expect(losers).toHaveLength(11);
      for (const loser of losers) {
        expect(loser.status).toBe(412);
        expect(loser.body.error).toMatchObject({ type: 'invalid_request_error', details: { error_code: 'version_mismatch' } });
        expect(loser.headers.get('x-should-retry')).toBe('false');
      }

      const after = await http(t, 'GET', `/v1/environments/${env.id}`);
      expect(after.body).toEqual(winners[0].body);
    }

    const rows = await t.db.query<EventRow>(sql`SELECT stream_version, data FROM events WHERE stream_id = ${`environment-${env.id}`} ORDER BY stream_version`);
    expect(rows.map((row) => Number(row.stream_version))).toEqual([1, 2, 3]);
  });
});
