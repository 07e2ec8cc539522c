import type { Page } from 'playwright-core';
import { expectSecretsKept, saveScreenshot, screenshot, ConsoleSession } from '../support/browser';
import { Client } from '../support/fixtures';
import { http } from '../support/test-app';

/** What the browser tests read off the console's pages (by the contract's data-testid attributes). */

/**
 * Waits until `read()` gives `expected` (deep equality), then asserts it: the
 * console loads asynchronously, so a view is read until it settles.
 */
export async function expectSoon<T>(read: () => Promise<T>, expected: T, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      expect(value).toEqual(expected);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The `attribute` of every element with data-testid `testId`, in document order. */
export function attributesOf(page: Page, testId: string, attribute: string): Promise<(string | null)[]> {
  return page.getByTestId(testId).evaluateAll((elements, name) => elements.map((e) => e.getAttribute(name)), attribute);
}

/** The visible text (trimmed) of every element with data-testid `testId`, in document order. */
export async function textsOf(page: Page, testId: string): Promise<string[]> {
  return (await page.getByTestId(testId).allInnerTexts()).map((text) => text.trim());
}

/**
 * Scrolls to the bottom of the page until `testId` rows number `total`, each
 * round waiting for more rows to come (the list loads its next page when its
 * end is scrolled into view).
 */
export async function scrollUntil(page: Page, testId: string, total: number): Promise<void> {
  const rows = page.getByTestId(testId);
  for (let round = 0; round < 30; round++) {
    const count = await rows.count();
    if (count >= total) return;
    await page.mouse.wheel(0, 20_000);
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    const deadline = Date.now() + 20_000;
    while ((await rows.count()) <= count) {
      if (Date.now() > deadline) throw new Error(`scrolled to the end with ${count} of ${total} ${testId} rows shown, and no more came`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The ids of the environment rows shown, top to bottom. */
export const shownEnvironments = (page: Page): Promise<(string | null)[]> => attributesOf(page, 'env-row', 'data-env-id');

/** The ids of the audit rows shown, top to bottom. */
export const shownVersions = (page: Page): Promise<(string | null)[]> => attributesOf(page, 'audit-row', 'data-version-id');

/** The page's path and query string. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** Whether the page scrolls sideways (wider content than its viewport). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth') as Promise<boolean>;
}

/** The screenshot of a view, written to docs/console/<view>.png only by `save()` once the test's assertions passed. */
export async function takeScreenshot(page: Page, view: string): Promise<{ save(): void }> {
  const png = await screenshot(page);
  return { save: () => saveScreenshot(view, png) };
}

/** A JSON request that must answer 200 (or `status`); its body. */
export async function api(client: Client, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const response = await http(client, method, path, { body, headers });
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** The `error.message` of the envelope `path` answers with, for the console to show. */
export async function apiErrorMessage(client: Client, path: string): Promise<string> {
  const response = await http(client, 'GET', path);
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.body).toMatchObject({ type: 'error', error: { message: expect.any(String) } });
  return response.body.error.message;
}

/** Time passes between batches of changes, so a time range can tell them apart to the millisecond. */
export const tick = (ms = 25): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The last test of every browser file: no key in any URL the browser asked for or went to, nor in the service's log. */
export function itKeepsTheKeysOutOfUrlsAndLogs(session: () => ConsoleSession): void {
  it('never puts a key in a URL the browser requested or navigated to, nor in the service log', () => {
    const s = session();
    expectSecretsKept(s.recorder, s.service, [s.reader.key, s.admin.key]);
  });
}
