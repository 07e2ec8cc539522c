import { ConsoleSession, describeInBrowser, signIn, withConsole } from '../support/browser';
import { allPages } from '../support/paging';
import { api, apiErrorMessage, attributesOf, expectSoon, itKeepsTheKeysOutOfUrlsAndLogs, pathOf, takeScreenshot, textsOf } from './console-page';

jest.setTimeout(180_000);

const USER_AGENT = 'release-bot/2.4 (deploys)';

/** One environment: its configuration rendered readably, its version timeline, a diff of a known update, and the view as of a version. */
describeInBrowser('console environment view', () => {
  let s: ConsoleSession;
  withConsole((session) => (s = session));
  let writer: { baseUrl: string; key: string; id: string };
  let environment: any;
  let versions: any[];
  let gone: any;

  beforeAll(async () => {
    writer = await s.writer('release bot');
    const headers = { 'user-agent': USER_AGENT };
    environment = await api(
      writer,
      'POST',
      '/v1/environments',
      {
        name: 'python-data-analysis',
        description: 'Python environment with data-analysis packages.',
        config: {
          type: 'cloud',
          networking: { type: 'limited', allowed_hosts: ['api.example.com'], allow_mcp_servers: false, allow_package_managers: true },
          packages: { type: 'packages', pip: ['pandas', 'numpy'], apt: ['libpq-dev'] },
        },
        metadata: { team: 'ml' },
      },
      headers,
    );
    // Version 2: the known update whose diff the page must show.
    await api(writer, 'POST', `/v1/environments/${environment.id}`, { config: { type: 'cloud', packages: { type: 'packages', pip: ['pandas', 'numpy', 'scikit-learn'] } }, metadata: { team: 'research' } }, headers);
    await api(writer, 'POST', `/v1/environments/${environment.id}`, { description: 'Data analysis, with scikit-learn.' }, headers);
    versions = await allPages(s.admin, `/v1/environments/${environment.id}/versions`, 100);
    gone = await api(writer, 'POST', '/v1/environments', { name: 'short-lived', metadata: { purpose: 'demo' } }, headers);
    await api(writer, 'DELETE', `/v1/environments/${gone.id}`, undefined, headers);
    await signIn(s.page, s.baseUrl, s.reader.key);
  });

  it('shows the current configuration readably: networking, packages per manager, metadata', async () => {
    const { page } = s;
    await page.goto(`${s.baseUrl}/console/environments/${environment.id}`);
    await page.getByTestId('env-detail').waitFor();
    expect((await page.getByTestId('env-detail-name').innerText()).trim()).toBe('python-data-analysis');
    expect((await page.getByTestId('env-detail-status').innerText()).trim()).toBe('active');
    const networking = await page.getByTestId('env-networking').innerText();
    expect(networking).toMatch(/limited/i);
    expect(networking).toContain('api.example.com');
    const packages = await page.getByTestId('env-packages').innerText();
    for (const name of ['pip', 'pandas', 'numpy', 'scikit-learn', 'apt', 'libpq-dev']) expect(packages).toContain(name);
    const metadata = await page.getByTestId('env-metadata').innerText();
    expect(metadata).toContain('team');
    expect(metadata).toContain('research');
    expect(metadata).not.toContain('ml');
    expect(await page.getByTestId('as-of-banner').count()).toBe(0);
  });

  it('lists every version newest first with its operation, time, actor and request id', async () => {
    const { page } = s;
    await expectSoon(() => attributesOf(page, 'version-row', 'data-version'), ['3', '2', '1']);
    expect(await textsOf(page, 'version-operation')).toEqual(['modified', 'modified', 'created']);
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
    const rows = page.getByTestId('version-row');
    for (const [i, version] of versions.entries()) {
      const row = rows.nth(i);
      expect((await row.getByTestId('version-request-id').innerText()).trim()).toContain(version.request_id);
      const actor = await row.getByTestId('version-actor').innerText();
      for (const part of ['release bot', writer.id, '127.0.0.1', USER_AGENT]) expect(actor).toContain(part);
      const time = row.getByTestId('version-time');
      expect(await time.getAttribute('title')).toContain(version.created_at);
      expect((await time.innerText()).trim()).not.toBe('');
    }
    const shot = await takeScreenshot(page, 'environment');
    shot.save();
  });

  it('shows the side-by-side diff of the known update: exactly its paths, from and to', async () => {
    const { page } = s;
    const v2 = versions.find((v) => v.version === 2);
    expect(v2.changes).toEqual(
      expect.arrayContaining([
        { path: 'config.packages.pip', from: ['pandas', 'numpy'], to: ['pandas', 'numpy', 'scikit-learn'] },
        { path: 'metadata.team', from: 'ml', to: 'research' },
      ]),
    );
    expect(v2.changes).toHaveLength(2);
    const row = page.locator('[data-testid="version-row"][data-version="2"]');
    await row.getByTestId('version-diff-toggle').click();
    const diff = row.getByTestId('version-diff');
    await diff.waitFor();
    expect((await attributesOf(page, 'diff-row', 'data-path')).sort()).toEqual(['config.packages.pip', 'metadata.team']);
    const pip = diff.locator('[data-testid="diff-row"][data-path="config.packages.pip"]');
    expect(await shownValue(pip.getByTestId('diff-from').innerText())).toEqual(['pandas', 'numpy']);
    expect(await shownValue(pip.getByTestId('diff-to').innerText())).toEqual(['pandas', 'numpy', 'scikit-learn']);
    const team = diff.locator('[data-testid="diff-row"][data-path="metadata.team"]');
    expect(await shownValue(team.getByTestId('diff-from').innerText())).toBe('ml');
    expect(await shownValue(team.getByTestId('diff-to').innerText())).toBe('research');
    await diff.scrollIntoViewIfNeeded();
    const shot = await takeScreenshot(page, 'diff');
    shot.save();
  });

  it('shows the whole configuration as of version 1, from the timeline link and from the URL', async () => {
    const { page } = s;
    await page.locator('[data-testid="version-row"][data-version="1"]').getByTestId('version-view-as-of').click();
    await page.getByTestId('as-of-banner').waitFor();
    expect(pathOf(page)).toBe(`/console/environments/${environment.id}?version=1`);
    expect(await page.getByTestId('as-of-banner').innerText()).toMatch(/\b1\b/);
    await expectSoon(async () => (await page.getByTestId('env-metadata').innerText()).includes('ml'), true);
    const packages = await page.getByTestId('env-packages').innerText();
    expect(packages).toContain('pandas');
    expect(packages).not.toContain('scikit-learn');
    expect(await page.getByTestId('env-metadata').innerText()).not.toContain('research');

    await page.goto(`${s.baseUrl}/console/environments/${environment.id}?version=2`);
    await page.getByTestId('as-of-banner').waitFor();
    expect(await page.getByTestId('as-of-banner').innerText()).toMatch(/\b2\b/);
    await expectSoon(async () => (await page.getByTestId('env-packages').innerText()).includes('scikit-learn'), true);
    expect(await page.getByTestId('env-metadata').innerText()).toContain('research');
  });

  it('shows a deleted environment as deleted, with its history', async () => {
    const { page } = s;
    await page.goto(`${s.baseUrl}/console/environments/${gone.id}`);
    await page.getByTestId('env-detail').waitFor();
    await expectSoon(async () => (await page.getByTestId('env-detail-status').innerText()).trim(), 'deleted');
    await expectSoon(() => attributesOf(page, 'version-row', 'data-version'), ['2', '1']);
    expect(await textsOf(page, 'version-operation')).toEqual(['deleted', 'created']);
    expect(await page.getByTestId('env-detail-name').innerText()).toContain('short-lived');
  });

  it('shows the API\'s error message for an environment that never existed', async () => {
    const { page } = s;
    const missing = 'env_000000000000000000000000';
    // The console asks for the environment and its history: either's message will do.
    const messages = [
      await apiErrorMessage(s.reader, `/v1/environments/${missing}`),
      await apiErrorMessage(s.reader, `/v1/environments/${missing}/versions?limit=2`),
    ];
    await page.goto(`${s.baseUrl}/console/environments/${missing}`);
    await page.getByTestId('error-banner').first().waitFor();
    const shown = await textsOf(page, 'error-banner');
    expect(shown.length).toBeGreaterThan(0);
    for (const text of shown) expect(messages.some((message) => text.includes(message))).toBe(true);
  });

  itKeepsTheKeysOutOfUrlsAndLogs(() => s);
});

/** A value as a diff cell shows it: JSON when it reads as JSON, else the text itself. */
async function shownValue(text: Promise<string>): Promise<unknown> {
  const shown = (await text).trim();
  try {
    return JSON.parse(shown);
  } catch {
    return shown;
  }
}
