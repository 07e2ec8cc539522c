import { ConsoleSession, describeInBrowser, signIn, withConsole } from '../support/browser';
import { api, attributesOf, expectSoon, itKeepsTheKeysOutOfUrlsAndLogs, overflowsSideways, pathOf, scrollUntil, shownEnvironments, takeScreenshot, textsOf } from './console-page';

jest.setTimeout(300_000);

interface Created {
  id: string;
  name: string;
  created_at: string;
}

/** Newest first, as the API lists them: created_at descending, then id descending. */
function newestFirst(environments: Created[]): string[] {
  return [...environments]
    .sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1))
    .map((e) => e.id);
}

/** More than the API's largest page (100), so the list must load a second page as it is scrolled. */
const BULK = 105;

/**
 * The environments list: newest first with archived ones and each row's
 * status, deleted ones under their filter, the name-prefix search, and
 * infinite scroll over the API's cursor.
 */
describeInBrowser('console environments list', () => {
  let s: ConsoleSession;
  withConsole((session) => (s = session));
  const all: Created[] = [];
  const named: Record<string, Created> = {};

  beforeAll(async () => {
    const writer = await s.writer('seed');
    for (let i = 0; i < BULK; i++) all.push(await api(writer, 'POST', '/v1/environments', { name: `load-${String(i).padStart(3, '0')}` }));
    for (const name of ['payments-api', 'payments-worker', 'paywall', 'search-index', 'old-sandbox', 'Payments-legacy']) {
      named[name] = await api(writer, 'POST', '/v1/environments', { name });
      all.push(named[name]);
    }
    await api(writer, 'POST', `/v1/environments/${named.paywall.id}/archive`);
    await api(writer, 'DELETE', `/v1/environments/${named['old-sandbox'].id}`);
    await signIn(s.page, s.baseUrl, s.reader.key);
  });

  const listed = (): Created[] => all.filter((e) => e.id !== named['old-sandbox'].id);

  it('lists every environment newest first, archived ones included with their status, loading further pages as it is scrolled', async () => {
    const { page } = s;
    await page.getByTestId('env-row').first().waitFor();
    const expected = newestFirst(listed());
    const first = await shownEnvironments(page);
    // One page of the API at most: the rest comes with scrolling.
    expect(first.length).toBeLessThan(expected.length);
    expect(first).toEqual(expected.slice(0, first.length));
    const rows = page.getByTestId('env-row');
    expect(await rows.nth(0).getByTestId('env-name').innerText()).toBe('Payments-legacy');
    const statuses = await textsOf(page, 'env-status');
    const ids = await shownEnvironments(page);
    expect(Object.fromEntries(ids.map((id, i) => [id, statuses[i]]))).toMatchObject({
      [named.paywall.id]: 'archived',
      [named['search-index'].id]: 'active',
      [named['payments-api'].id]: 'active',
    });
    expect(new Set(statuses)).toEqual(new Set(['active', 'archived']));
    const shot = await takeScreenshot(page, 'environments');

    const pagesAsked = () => s.recorder.requests.filter((url) => url.includes('/v1/environments?') && /[?&]page=/.test(url)).length;
    const before = pagesAsked();
    await scrollUntil(page, 'env-row', expected.length);
    await expectSoon(() => shownEnvironments(page), expected);
    expect(pagesAsked()).toBeGreaterThan(before);
    shot.save();
  });

  it('searches by name prefix as it is typed, case-sensitively, and carries the search in the URL', async () => {
    const { page } = s;
    await page.getByTestId('env-search').fill('pay');
    await expectSoon(() => shownEnvironments(page), [named.paywall.id, named['payments-worker'].id, named['payments-api'].id]);
    expect(await textsOf(page, 'env-status')).toEqual(['archived', 'active', 'active']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('pay');

    await page.getByTestId('env-search').fill('payments-');
    await expectSoon(() => shownEnvironments(page), [named['payments-worker'].id, named['payments-api'].id]);
    expect(await textsOf(page, 'env-name')).toEqual(['payments-worker', 'payments-api']);

    await page.getByTestId('env-search').fill('Pay');
    await expectSoon(() => shownEnvironments(page), [named['Payments-legacy'].id]);

    await page.getByTestId('env-search').fill('nothing-starts-like-this');
    await page.getByTestId('empty').waitFor();
    expect(await page.getByTestId('env-row').count()).toBe(0);

    // The URL is shareable: opened again, it shows the same search.
    await page.goto(`${s.baseUrl}/console/environments?q=payments-`);
    await expectSoon(() => shownEnvironments(page), [named['payments-worker'].id, named['payments-api'].id]);
    expect(await page.getByTestId('env-search').inputValue()).toBe('payments-');
  });

  it('filters by status: archived only, active only, and deleted ones from their history with the name they had', async () => {
    const { page } = s;
    await page.goto(`${s.baseUrl}/console/environments?q=pay`);
    await expectSoon(() => shownEnvironments(page), [named.paywall.id, named['payments-worker'].id, named['payments-api'].id]);
    await page.getByTestId('env-status-filter').selectOption('active');
    await expectSoon(() => shownEnvironments(page), [named['payments-worker'].id, named['payments-api'].id]);
    expect(new URL(page.url()).searchParams.get('status')).toBe('active');
    await page.getByTestId('env-status-filter').selectOption('archived');
    await expectSoon(() => shownEnvironments(page), [named.paywall.id]);
    expect(await textsOf(page, 'env-status')).toEqual(['archived']);

    await page.goto(`${s.baseUrl}/console/environments?status=deleted`);
    await expectSoon(() => shownEnvironments(page), [named['old-sandbox'].id]);
    expect(await textsOf(page, 'env-status')).toEqual(['deleted']);
    expect(await textsOf(page, 'env-name')).toEqual(['old-sandbox']);
    expect(await page.getByTestId('env-status-filter').inputValue()).toBe('deleted');
  });

  it('shows each row\'s creation time, absolute in its title', async () => {
    const { page } = s;
    await page.goto(`${s.baseUrl}/console/environments?q=payments-api`);
    await expectSoon(() => shownEnvironments(page), [named['payments-api'].id]);
    const created = page.getByTestId('env-created');
    const title = await created.getAttribute('title');
    expect(title).toContain(named['payments-api'].created_at);
    expect((await created.innerText()).trim()).not.toBe('');
  });

  it('stays readable at 200% zoom: no sideways scrolling on the list, nor on the other views', async () => {
    // 200% zoom of a 1280x800 window: a 640x400 CSS-pixel viewport drawn at twice the density.
    const { page, context } = await s.newContext({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
    await page.goto(`${s.baseUrl}/console/`);
    await page.getByTestId('signin-key').waitFor();
    expect(await overflowsSideways(page)).toBe(false);
    await signIn(page, s.baseUrl, s.reader.key);
    await page.getByTestId('env-row').first().waitFor();
    expect(pathOf(page)).toBe('/console/environments');
    expect(await overflowsSideways(page)).toBe(false);
    await page.getByTestId('env-search').fill('payments-');
    await expectSoon(() => shownEnvironments(page), [named['payments-worker'].id, named['payments-api'].id]);
    expect(await overflowsSideways(page)).toBe(false);
    expect(await attributesOf(page, 'env-row', 'data-env-id')).toHaveLength(2);
    // The other views too.
    const views: [string, string][] = [
      [`/console/environments/${named['payments-api'].id}`, 'version-row'],
      ['/console/audit', 'audit-row'],
      ['/console/integrity', 'integrity-status'],
    ];
    for (const [path, shown] of views) {
      await page.goto(s.baseUrl + path);
      await page.getByTestId(shown).first().waitFor();
      expect({ path, overflows: await overflowsSideways(page) }).toEqual({ path, overflows: false });
    }
    await context.close();
  });

  itKeepsTheKeysOutOfUrlsAndLogs(() => s);
});
