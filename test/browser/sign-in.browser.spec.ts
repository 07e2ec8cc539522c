import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { ConsoleSession, describeInBrowser, signIn, withConsole } from '../support/browser';
import { api, apiErrorMessage, itKeepsTheKeysOutOfUrlsAndLogs, pathOf, shownEnvironments, takeScreenshot } from './console-page';

jest.setTimeout(180_000);

const KEY_ITEM = 'sandbase.console.key';

/** The data-testid of the focused element (or its tag when it has none). */
function focused(page: Page): Promise<string> {
  return page.evaluate(
    "(() => { const e = document.activeElement; return e ? e.getAttribute('data-testid') || e.tagName.toLowerCase() : 'none'; })()",
  ) as Promise<string>;
}

/** Presses Tab until the element with data-testid `target` has the focus; the data-testids passed on the way. */
async function tabTo(page: Page, target: string, most = 40): Promise<string[]> {
  const passed: string[] = [];
  for (let i = 0; i < most; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    passed.push(now);
    if (now === target) return passed;
  }
  throw new Error(`Tab never reached ${target}; it went through ${passed.join(', ')}`);
}

/**
 * Signing in to the console with an API key: the envelope's message for a
 * wrong key, the list for a right one (a read key is enough), the key kept in
 * sessionStorage only, and all of it by keyboard.
 */
describeInBrowser('console sign-in', () => {
  let s: ConsoleSession;
  withConsole((session) => (s = session));
  let environmentId: string;

  beforeAll(async () => {
    environmentId = (await api(s.admin, 'POST', '/v1/environments', { name: 'signed-in-view' })).id;
  });

  it('shows the sign-in form first, and the error envelope\'s message for a key the service does not know', async () => {
    const { page } = s;
    await page.goto(`${s.baseUrl}/console/`);
    await page.getByTestId('signin-key').waitFor();
    expect(await page.getByTestId('signin-key').getAttribute('type')).toBe('password');
    const shot = await takeScreenshot(page, 'sign-in');

    const wrong = `sk-sb-${randomBytes(20).toString('hex')}`;
    const message = await apiErrorMessage({ baseUrl: s.baseUrl, key: wrong }, '/v1/environments?limit=1');
    await page.getByTestId('signin-key').fill(wrong);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signin-error').waitFor();
    expect(await page.getByTestId('signin-error').innerText()).toContain(message);
    expect(await page.evaluate(`sessionStorage.getItem('${KEY_ITEM}')`)).toBeNull();
    expect(await page.getByTestId('env-row').count()).toBe(0);
    shot.save();
  });

  it('lands on the environments list with a read key, which it keeps in sessionStorage only', async () => {
    const { page, context } = s;
    await page.getByTestId('signin-key').fill(s.reader.key);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('env-row').first().waitFor();
    expect(pathOf(page)).toBe('/console/environments');
    expect(await shownEnvironments(page)).toEqual([environmentId]);

    expect(await page.evaluate(`sessionStorage.getItem('${KEY_ITEM}')`)).toBe(s.reader.key);
    const local = (await page.evaluate('JSON.stringify(localStorage)')) as string;
    expect(local.includes(s.reader.key)).toBe(false);
    expect(await context.cookies()).toEqual([]);
    expect(((await page.evaluate('document.cookie')) as string).includes(s.reader.key)).toBe(false);
  });

  it('sends the key as a header on every API call', async () => {
    const { page } = s;
    const calls: { url: string; key: string | undefined; version: string | undefined }[] = [];
    page.on('request', (request) => {
      const headers = request.headers();
      if (new URL(request.url()).pathname.startsWith('/v1/')) calls.push({ url: request.url(), key: headers['x-api-key'], version: headers['anthropic-version'] });
    });
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-row').first().waitFor();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => call.key !== s.reader.key || call.version !== '2023-06-01')).toEqual([]);
  });

  it('signs out: the key leaves sessionStorage and the sign-in form is back', async () => {
    const { page } = s;
    await page.getByTestId('signout').click();
    await page.getByTestId('signin-key').waitFor();
    expect(await page.evaluate(`sessionStorage.getItem('${KEY_ITEM}')`)).toBeNull();
    await page.goto(`${s.baseUrl}/console/environments`);
    await page.getByTestId('signin-key').waitFor();
    expect(await page.getByTestId('env-row').count()).toBe(0);
  });

  it('continues to the page asked for, with its query string, after signing in', async () => {
    const { page } = await s.newContext();
    await signIn(page, s.baseUrl, s.reader.key, '/console/audit?operation=created');
    await page.getByTestId('audit-row').first().waitFor();
    expect(pathOf(page)).toBe('/console/audit?operation=created');
    expect(await page.getByTestId('audit-filter-operation').inputValue()).toBe('created');
    await page.context().close();
  });

  it('is usable by keyboard alone: Tab reaches the key field and the submit button, then the navigation links', async () => {
    const { page } = await s.newContext();
    await page.goto(`${s.baseUrl}/console/`);
    await page.getByTestId('signin-key').waitFor();
    await tabTo(page, 'signin-key');
    await page.keyboard.type(s.reader.key);
    await tabTo(page, 'signin-submit');
    await page.keyboard.press('Enter');
    await page.getByTestId('env-row').first().waitFor();

    const passed = await tabTo(page, 'nav-integrity');
    expect(passed).toEqual(expect.arrayContaining(['nav-environments', 'nav-audit', 'nav-integrity']));
    expect(passed.indexOf('nav-environments')).toBeLessThan(passed.indexOf('nav-audit'));
    await page.keyboard.press('Enter');
    await page.getByTestId('integrity-status').waitFor();
    expect(pathOf(page)).toBe('/console/integrity');
    await page.context().close();
  });

  it('keeps the key out of localStorage and cookies in every context it was used in', async () => {
    const { page, context } = await s.newContext();
    await signIn(page, s.baseUrl, s.reader.key);
    await page.getByTestId('env-row').first().waitFor();
    await page.getByTestId('env-row').first().getByTestId('env-name').click();
    await page.getByTestId('env-detail').waitFor();
    const views = [['nav-audit', 'audit-row'], ['nav-integrity', 'integrity-status'], ['nav-environments', 'env-row']];
    for (const [link, shown] of views) {
      await page.getByTestId(link).click();
      await page.getByTestId(shown).first().waitFor();
      const local = (await page.evaluate('JSON.stringify(localStorage)')) as string;
      expect(local.includes(s.reader.key)).toBe(false);
    }
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(`sessionStorage.getItem('${KEY_ITEM}')`)).toBe(s.reader.key);
    await context.close();
  });

  itKeepsTheKeysOutOfUrlsAndLogs(() => s);
});
