import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chainHash } from '../../src/event-store/hash-chain';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase, usingPostgres } from '../support/database';
import { http, startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(240_000);

/** Builds some history: creates, updates, an archive and a delete, with two keys. */
async function populate(t: TestApp): Promise<void> {
  const other = await t.createKey('test-org');
  const ok = async (request: Promise<{ status: number; body: any }>) => {
    const response = await request;
    expect(response.status).toBe(200);
    return response.body;
  };
  for (let i = 0; i < 12; i++) {
    const key = i % 2 ? t.key : other.key;
    const env = await ok(
      http({ baseUrl: t.baseUrl, key }, 'POST', '/v1/environments', { body: { name: `m-${i}`, metadata: { i: String(i) } } }),
    );
    await ok(
      http({ baseUrl: t.baseUrl, key }, 'POST', `/v1/environments/${env.id}`, {
        body: { description: `d${i}`, config: { type: 'cloud', packages: { pip: [`p${i}`] } } },
      }),
    );
    if (i % 4 === 0) await ok(http(t, 'POST', `/v1/environments/${env.id}/archive`));
    if (i % 5 === 0) await ok(http(t, 'DELETE', `/v1/environments/${env.id}`));
  }
}

async function readSide(t: { baseUrl: string; key: string }): Promise<unknown> {
  const list = await http(t, 'GET', '/v1/environments?include_archived=true&limit=100');
  const history = await http(t, 'GET', '/v1/environment_versions?limit=100');
  return { list: list.body, history: history.body };
}

describe('audit export (NDJSON for SIEM tools)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await populate(t);
  });
  afterAll(async () => t.close());

  it('streams every version once, oldest first, as the API shows them', async () => {
    const result = await runCli(['audit', 'export'], { DATABASE_URL: t.database.url });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const api = await http(t, 'GET', '/v1/environment_versions?limit=100');
    expect(lines).toHaveLength(api.body.data.length);
    const { organization_id: _org, ...firstLine } = lines[lines.length - 1];
    expect([...lines].reverse().map(({ organization_id: _o, ...v }) => v)).toEqual(api.body.data);
    expect(firstLine).toEqual(api.body.data[0]);
    for (let i = 1; i < lines.length; i++) expect(lines[i - 1].created_at <= lines[i].created_at).toBe(true);
  });

  it('filters by --since and --org', async () => {
    const all = (await runCli(['audit', 'export'], { DATABASE_URL: t.database.url })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const since = all[Math.floor(all.length / 2)].created_at;
    const recent = (await runCli(['audit', 'export', '--since', since], { DATABASE_URL: t.database.url })).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(all.length);
    expect(recent.every((v) => v.created_at >= since)).toBe(true);
    expect(recent).toEqual(all.filter((v) => v.created_at >= since));
    const none = await runCli(['audit', 'export', '--org', 'nobody'], { DATABASE_URL: t.database.url });
    expect(none.code).toBe(1);
    const mine = await runCli(['audit', 'export', '--org', 'test-org'], { DATABASE_URL: t.database.url });
    expect(mine.stdout.trim().split('\n')).toHaveLength(all.length);
  });
});

describe('moving an installation from SQLite to PostgreSQL', () => {
  let source: TestApp;
  let file: string;
  let before: unknown;
  let target: TestDatabase | null = null;

  beforeAll(async () => {
    source = await startTestApp({}, { forceSqlite: true });
    await populate(source);
    before = await readSide(source);
    expect((before as { history: { data: unknown[] } }).history.data).toHaveLength(12 * 2 + 3 + 3);
    file = join(mkdtempSync(join(tmpdir(), 'sandbase-export-')), 'export.ndjson');
    const exported = await runCli(['export', '--out', file], { DATABASE_URL: source.database.url });
    expect(exported.code).toBe(0);
    // On the PostgreSQL run of the suite (mandatory in CI), a fresh PostgreSQL database is the target.
    if (usingPostgres()) target = await createTestDatabase();
  });

  afterAll(async () => {
    await source.close();
    rmSync(dirname(file), { recursive: true, force: true });
    await target?.drop();
  });

  (usingPostgres() ? it : it.skip)('exports, imports into an empty PostgreSQL database, and answers exactly as before', async () => {
    expect(source.db.label).toBe('sqlite');
    const url = target!.url;
    const imported = await runCli(['import', '--in', file], { DATABASE_URL: url });
    expect(imported.stderr + imported.stdout).toMatch(/audit chain verifies/);
    expect(imported.code).toBe(0);
    expect((await runCli(['projections', 'verify'], { DATABASE_URL: url })).code).toBe(0);
    expect((await runCli(['audit', 'verify'], { DATABASE_URL: url })).code).toBe(0);

    // The service on PostgreSQL: the same keys work and every answer is the same.
    const moved = await startTestApp({}, { databaseUrl: url });
    try {
      expect(moved.db.label).toBe('postgres');
      expect(await readSide({ baseUrl: moved.baseUrl, key: source.key })).toEqual(before);
      const verify = await http({ baseUrl: moved.baseUrl, key: source.key }, 'GET', '/v1/environment_versions/verify');
      expect(verify.body.valid).toBe(true);
      // It keeps working: a new change appends to the imported chain.
      const env = await http({ baseUrl: moved.baseUrl, key: source.key }, 'POST', '/v1/environments', { body: { name: 'after-move' } });
      expect(env.status).toBe(200);
      expect((await http({ baseUrl: moved.baseUrl, key: source.key }, 'GET', '/v1/environment_versions/verify')).body.valid).toBe(true);
    } finally {
      await moved.app.close();
    }

    // A second import into the now non-empty database is refused.
    const again = await runCli(['import', '--in', file], { DATABASE_URL: url });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
  });

  it('refuses a truncated export', async () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const dir = mkdtempSync(join(tmpdir(), 'sandbase-export-'));
    const truncated = join(dir, 'truncated.ndjson');
    writeFileSync(truncated, `${lines.slice(0, -3).join('\n')}\n`);
    const result = await runCli(['import', '--in', truncated], { DATABASE_URL: `sqlite:${join(dir, 'fresh.sqlite')}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/truncated/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an export whose audit chain does not verify, naming the event, and imports nothing', async () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const at = lines.findIndex((line) => JSON.parse(line).kind === 'event');
    const event = JSON.parse(lines[at]);
    lines[at] = JSON.stringify({ ...event, data: { ...event.data, name: 'forged-on-the-way' } });
    const dir = mkdtempSync(join(tmpdir(), 'sandbase-import-'));
    try {
      const forged = join(dir, 'forged.ndjson');
      writeFileSync(forged, `${lines.join('\n')}\n`);
      const target = `sqlite:${join(dir, 'target.sqlite')}`;
      const result = await runCli(['import', '--in', forged], { DATABASE_URL: target });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`the audit chain in the export does not verify: event ${event.event_id}`);
      expect(result.stderr).toContain('nothing was imported');
      expect((await runCli(['import', '--in', file], { DATABASE_URL: target })).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * The export's lines with `change` applied to the event at `index`, and the
   * hash chain recomputed after it (as someone who edits an export can):
   * the chain verifies, so only a replay of the events can tell.
   */
  function rechained(lines: string[], index: number, change: (event: any) => any): string[] {
    const parsed = lines.map((line) => JSON.parse(line));
    parsed[index] = change(parsed[index]);
    const org = parsed[index].organization_id;
    let prev = parsed[index].prev_hash;
    for (const line of parsed) {
      if (line.kind !== 'event' || line.organization_id !== org || line.chain_seq < parsed[index].chain_seq) continue;
      line.prev_hash = prev;
      const { kind: _kind, position: _position, prev_hash: _prev, hash: _hash, ...content } = line;
      line.hash = chainHash(prev, content);
      prev = line.hash;
    }
    for (const line of parsed) if (line.kind === 'chain_head' && line.organization_id === org) line.hash = prev;
    return parsed.map((line) => JSON.stringify(line));
  }

  it('refuses an export whose chain verifies but whose events cannot be replayed, and imports nothing', async () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // The first environment event (keys have events of their own, earlier in the log).
    const at = lines.findIndex((line) => JSON.parse(line).kind === 'event' && JSON.parse(line).type === 'EnvironmentCreated');
    const event = JSON.parse(lines[at]);
    const dir = mkdtempSync(join(tmpdir(), 'sandbase-import-'));
    try {
      const cases: [string, (e: any) => any, string][] = [
        ['no data', (e) => ({ ...e, data: {} }), `event ${event.event_id} (position ${event.position}) cannot be replayed: it names no environment`],
        ['an unknown type', (e) => ({ ...e, type: 'EnvironmentExploded' }), `event ${event.event_id} (position ${event.position}) has an unknown type "EnvironmentExploded"`],
        ['a wrong version', (e) => ({ ...e, stream_version: 99 }), `the event log is out of order: event ${event.event_id}`],
      ];
      for (const [what, change, message] of cases) {
        const path = join(dir, `${what.replace(/ /g, '-')}.ndjson`);
        writeFileSync(path, `${rechained(lines, at, change).join('\n')}\n`);
        const target = `sqlite:${join(dir, `${what.replace(/ /g, '-')}.sqlite`)}`;
        const result = await runCli(['import', '--in', path], { DATABASE_URL: target });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`sandbase: error: the events in the export cannot be replayed: ${message}`);
        expect(result.stderr).toContain('nothing was imported');
        expect((await runCli(['import', '--in', file], { DATABASE_URL: target })).code).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a damaged line by its number and what is wrong with it, and imports nothing', async () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const at = lines.findIndex((line) => JSON.parse(line).kind === 'event');
    const event = JSON.parse(lines[at]);
    const { hash: _hash, ...withoutHash } = event;
    const damaged: [string, string, RegExp][] = [
      ['null', 'null', /is not a JSON object/],
      ['an array', '[1,2]', /is not a JSON object/],
      ['an unknown kind', '{"kind":"surprise"}', /unknown kind "surprise"/],
      ['a missing field', JSON.stringify(withoutHash), /\(event\): hash must be a string/],
      ['a wrong type', JSON.stringify({ ...event, position: 'seven' }), /\(event\): position must be a whole number/],
      ['an impossible time', JSON.stringify({ ...event, recorded_at: '2026-13-45T99:99:99Z' }), /\(event\): recorded_at must be a timestamp/],
      ['a duplicate', lines[at - 1], /(UNIQUE|duplicate key)/],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'sandbase-import-'));
    try {
      for (const [what, replacement, message] of damaged) {
        const copy = [...lines];
        copy[at] = replacement;
        const path = join(dir, `${what.replace(/ /g, '-')}.ndjson`);
        writeFileSync(path, `${copy.join('\n')}\n`);
        const target = `sqlite:${join(dir, `${what.replace(/ /g, '-')}.sqlite`)}`;
        const result = await runCli(['import', '--in', path, '--quiet'], { DATABASE_URL: target });
        expect(result.code).toBe(1);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(new RegExp(`^sandbase: error: line ${at + 1}\\b`));
        expect(result.stderr).toMatch(message);
        // All or nothing: the database is still empty, so the intact export imports.
        expect((await runCli(['import', '--in', file], { DATABASE_URL: target })).code).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
