import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { ConsoleSession, describeInBrowser, signIn, withConsole } from '../support/browser';
import { Client } from '../support/fixtures';
import { allPages } from '../support/paging';
import { api, apiErrorMessage, expectSoon, itKeepsTheKeysOutOfUrlsAndLogs, pathOf, shownVersions, takeScreenshot, tick } from './console-page';
import { CSV_COLUMNS, CSV_HEADER, csvRecordOf, parseCsv } from './csv';

jest.setTimeout(300_000);

/** One change this test made: which environment version, by which key, in which batch. */
interface Made {
  environment_id: string;
  version: number;
  api_key_id: string;
  batch: number;
}

/** A user agent and a metadata value with a comma, quotes and a line break: the CSV must quote them. */
const AWKWARD_AGENT = 'deploy-tool/1.0 (linux, "ci")';
const AWKWARD_VALUE = 'line one, "quoted"\r\nline two';

/** More versions than one page of the API (100): the list scrolls and the exports gather every page. */
const BULK = 104;

/**
 * The organization's audit log: the API's filters as controls, carried in the
 * URL (never the key); exactly the expected rows by key and by time range;
 * NDJSON and CSV exports equal to what the API answers for the same filters.
 */
describeInBrowser('console audit log', () => {
  let s: ConsoleSession;
  withConsole((session) => (s = session));
  const made: Made[] = [];
  let versions: any[];
  let deployer: Client & { id: string };
  let alice: Client & { id: string };
  let bulk: Client & { id: string };

  async function write(key: Client & { id: string }, batch: number, method: string, path: string, body?: unknown): Promise<void> {
    const headers: Record<string, string> = key === deployer ? { 'user-agent': AWKWARD_AGENT } : {};
    const answer = await api(key, method, path, body, headers);
    const deleted = method === 'DELETE';
    const environmentId = deleted ? path.split('/').pop()! : answer.id;
    const version = deleted ? made.filter((m) => m.environment_id === environmentId).length + 1 : answer.version;
    made.push({ environment_id: environmentId, version, api_key_id: key.id, batch });
  }

  /** The version ids of the changes `pick` selects, newest first. */
  function expectedIds(pick: (m: Made) => boolean): string[] {
    const idOf = (m: Made) => versions.find((v) => v.environment_id === m.environment_id && v.version === m.version).id;
    return made.filter(pick).reverse().map(idOf);
  }

  const range = (batch: number) => {
    const times = made.filter((m) => m.batch === batch).map((m) => versions.find((v) => v.environment_id === m.environment_id && v.version === m.version).created_at);
    return { from: times[0], to: times[times.length - 1] };
  };

  beforeAll(async () => {
    [deployer, alice, bulk] = [await s.writer('ci-deployer'), await s.writer('alice'), await s.writer('bulk-loader')];
    const busy = await api(bulk, 'POST', '/v1/environments', { name: 'busy' });
    made.push({ environment_id: busy.id, version: 1, api_key_id: bulk.id, batch: 0 });
    for (let i = 1; i < BULK; i++) await write(bulk, 0, 'POST', `/v1/environments/${busy.id}`, { metadata: { n: String(i) } });
    await tick();
    await write(alice, 1, 'POST', '/v1/environments', { name: 'web-frontend' });
    const web = made[made.length - 1].environment_id;
    await write(alice, 1, 'POST', `/v1/environments/${web}`, { description: 'the shop' });
    await tick();
    await write(deployer, 2, 'POST', '/v1/environments', { name: 'api-gateway', metadata: { note: AWKWARD_VALUE } });
    const gateway = made[made.length - 1].environment_id;
    await write(alice, 2, 'POST', `/v1/environments/${web}`, { metadata: { owner: 'alice' } });
    await write(deployer, 2, 'POST', `/v1/environments/${gateway}`, { config: { type: 'cloud', packages: { type: 'packages', npm: ['typescript@5.9'] } } });
    await tick();
    await write(deployer, 3, 'POST', `/v1/environments/${gateway}/archive`);
    await write(alice, 3, 'POST', '/v1/environments', { name: 'batch-jobs' });
    await write(deployer, 3, 'DELETE', `/v1/environments/${made[made.length - 1].environment_id}`);
    versions = await allPages(s.admin, '/v1/environment_versions', 100);
    // The log holds exactly this test's changes.
    expect(versions).toHaveLength(made.length);
    expect(expectedIds(() => true)).toEqual(versions.map((v) => v.id));
    await signIn(s.page, s.baseUrl, s.reader.key, '/console/audit');
  });

  async function applyFilters(page: Page, filters: { key?: string; from?: string; to?: string; environment?: string; operation?: string }): Promise<void> {
    await page.getByTestId('audit-filter-key').fill(filters.key ?? '');
    await page.getByTestId('audit-filter-from').fill(filters.from ?? '');
    await page.getByTestId('audit-filter-to').fill(filters.to ?? '');
    await page.getByTestId('audit-filter-environment').fill(filters.environment ?? '');
    await page.getByTestId('audit-filter-operation').selectOption(filters.operation ?? '');
    await page.getByTestId('audit-apply').click();
  }

  it('filters by key: exactly that key\'s changes, newest first, with the filter in the URL', async () => {
    const { page } = s;
    await page.getByTestId('audit-row').first().waitFor();
    await applyFilters(page, { key: deployer.id });
    const expected = expectedIds((m) => m.api_key_id === deployer.id);
    expect(expected).toHaveLength(4);
    await expectSoon(() => shownVersions(page), expected);
    const query = new URL(page.url()).searchParams;
    expect(query.get('api_key_id')).toBe(deployer.id);
    expect(pathOf(page).startsWith('/console/audit?')).toBe(true);
    const shot = await takeScreenshot(page, 'audit');

    await applyFilters(page, { key: alice.id });
    await expectSoon(() => shownVersions(page), expectedIds((m) => m.api_key_id === alice.id));
    shot.save();
  });

  it('filters by a time range: exactly the changes made in it, with from and to in the URL', async () => {
    const { page } = s;
    const { from, to } = range(2);
    await applyFilters(page, { from, to });
    const expected = expectedIds((m) => m.batch === 2);
    expect(expected).toHaveLength(3);
    await expectSoon(() => shownVersions(page), expected);
    const query = new URL(page.url()).searchParams;
    expect([query.get('from'), query.get('to'), query.get('api_key_id') ?? '']).toEqual([from, to, '']);

    await applyFilters(page, { key: alice.id, from, to });
    await expectSoon(() => shownVersions(page), expectedIds((m) => m.batch === 2 && m.api_key_id === alice.id));
  });

  it('opens a shared URL with its filters applied (after signing in there)', async () => {
    const { from, to } = range(2);
    const { page, context } = await s.newContext();
    const path = `/console/audit?api_key_id=${deployer.id}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    await signIn(page, s.baseUrl, s.reader.key, path);
    await expectSoon(() => shownVersions(page), expectedIds((m) => m.batch === 2 && m.api_key_id === deployer.id));
    expect(await page.getByTestId('audit-filter-key').inputValue()).toBe(deployer.id);
    expect(await page.getByTestId('audit-filter-from').inputValue()).toBe(from);
    expect(await page.getByTestId('audit-filter-to').inputValue()).toBe(to);
    await context.close();
  });

  it('loads the older changes of the unfiltered log page by page with its button', async () => {
    const { page } = s;
    await applyFilters(page, {});
    await page.getByTestId('audit-row').first().waitFor();
    const expected = versions.map((v) => v.id);
    const rows = page.getByTestId('audit-row');
    const first = await rows.count();
    expect(first).toBeLessThan(expected.length);
    expect(await shownVersions(page)).toEqual(expected.slice(0, first));
    for (let round = 0; round < 30 && (await rows.count()) < expected.length; round++) {
      const count = await rows.count();
      await page.getByTestId('audit-load-more').click();
      await expectSoon(async () => (await rows.count()) > count, true);
    }
    await expectSoon(() => shownVersions(page), expected);
    // Everything is shown: no button asks for more.
    expect(await page.getByTestId('audit-load-more').count()).toBe(0);
  });

  async function download(page: Page, button: string, name: string): Promise<string> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(button).click()]);
    expect(file.suggestedFilename()).toBe(name);
    const path = await file.path();
    return readFileSync(path, 'utf8');
  }

  it('exports the filtered view as CSV equal, field by field, to what the API answers for the same filters', async () => {
    const { page } = s;
    await applyFilters(page, { key: deployer.id });
    await expectSoon(() => shownVersions(page), expectedIds((m) => m.api_key_id === deployer.id));
    const text = await download(page, 'audit-export-csv', 'sandbase-audit.csv');
    expect(text.startsWith(`${CSV_HEADER}\r\n`)).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const [header, ...records] = parseCsv(text);
    expect(header).toEqual(CSV_COLUMNS);
    const fromApi = await allPages(s.reader, `/v1/environment_versions?api_key_id=${deployer.id}`, 100);
    expect(fromApi.map((v) => v.id)).toEqual(expectedIds((m) => m.api_key_id === deployer.id));
    expect(records).toHaveLength(fromApi.length);
    records.forEach((record, i) => {
      const expected = csvRecordOf(fromApi[i]);
      for (const [column, name] of CSV_COLUMNS.entries()) expect({ row: i, name, value: record[column] }).toEqual({ row: i, name, value: expected[column] });
    });
    // The awkward values went through quoting intact.
    expect(records.map((r) => r[CSV_COLUMNS.indexOf('user_agent')])).toEqual(fromApi.map(() => AWKWARD_AGENT));
    const created = records.find((r) => r[CSV_COLUMNS.indexOf('operation')] === 'created')!;
    expect(JSON.parse(created[CSV_COLUMNS.indexOf('changes')])).toEqual(expect.arrayContaining([{ path: 'metadata.note', from: null, to: AWKWARD_VALUE }]));
  });

  it('exports every page of the unfiltered log as CSV, and the time-range view as NDJSON equal to the API objects', async () => {
    const { page } = s;
    await applyFilters(page, {});
    await page.getByTestId('audit-row').first().waitFor();
    const [, ...records] = parseCsv(await download(page, 'audit-export-csv', 'sandbase-audit.csv'));
    expect(records).toEqual(versions.map(csvRecordOf));

    const { from, to } = range(2);
    await applyFilters(page, { from, to });
    await expectSoon(() => shownVersions(page), expectedIds((m) => m.batch === 2));
    const text = await download(page, 'audit-export-ndjson', 'sandbase-audit.ndjson');
    const lines = text.split('\n').filter((line) => line !== '');
    const query = `created_at[gte]=${encodeURIComponent(from)}&created_at[lte]=${encodeURIComponent(to)}`;
    const fromApi = await allPages(s.reader, `/v1/environment_versions?${query}`, 100);
    expect(fromApi).toHaveLength(3);
    expect(lines.map((line) => JSON.parse(line))).toEqual(fromApi);
  });

  it('shows the empty state for a range with no changes, and the API\'s message for a time it refuses', async () => {
    const { page } = s;
    await applyFilters(page, { from: '2999-01-01T00:00:00.000Z' });
    await page.getByTestId('empty').waitFor();
    expect(await page.getByTestId('audit-row').count()).toBe(0);

    const bad = '2026-01-01T10:00:00'; // no offset: the API refuses it
    const message = await apiErrorMessage(s.reader, `/v1/environment_versions?created_at[gte]=${encodeURIComponent(bad)}`);
    await applyFilters(page, { from: bad });
    await page.getByTestId('error-banner').waitFor();
    expect(await page.getByTestId('error-banner').innerText()).toContain(message);
  });

  itKeepsTheKeysOutOfUrlsAndLogs(() => s);
});
