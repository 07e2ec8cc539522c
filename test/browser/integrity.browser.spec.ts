import Sqlite from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { ConsoleSession, describeInBrowser, signIn, withConsole } from '../support/browser';
import { runCli } from '../support/cli';
import { api, expectSoon, itKeepsTheKeysOutOfUrlsAndLogs, takeScreenshot } from './console-page';

jest.setTimeout(180_000);

/**
 * The integrity view: green while the chain verifies, with the newest signed
 * checkpoint; red naming the first bad event once a row of the events table
 * is edited in the database.
 */
describeInBrowser('console integrity', () => {
  let s: ConsoleSession;
  let dir: string;
  let checkpoints: string;
  let keys: string;
  // Audit key files (`audit keygen`) and a checkpoint directory before the service starts.
  withConsole(
    (session) => (s = session),
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'sandbase-console-audit-'));
      [checkpoints, keys] = [join(dir, 'checkpoints'), join(dir, 'keys')];
      mkdirSync(checkpoints);
      expect((await runCli(['audit', 'keygen', '--dir', keys], {})).code).toBe(0);
      return { SANDBASE_AUDIT_CHECKPOINT_DIR: checkpoints, SANDBASE_AUDIT_PUBLIC_KEY_FILE: join(keys, 'audit-public-key.pem') };
    },
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let environmentId: string;

  beforeAll(async () => {
    const writer = await s.writer('integrity writer');
    environmentId = (await api(writer, 'POST', '/v1/environments', { name: 'ledger', metadata: { tier: 'gold' } })).id;
    await api(writer, 'POST', `/v1/environments/${environmentId}`, { metadata: { tier: 'silver' } });
    await api(writer, 'POST', `/v1/environments/${environmentId}`, { description: 'kept honest' });
    const signing = { DATABASE_URL: s.database.url, SANDBASE_AUDIT_SIGNING_KEY_FILE: join(keys, 'audit-signing-key.pem') };
    expect(await runCli(['audit', 'checkpoint', '--dir', checkpoints], signing)).toMatchObject({ code: 0 });
    await signIn(s.page, s.baseUrl, s.reader.key, '/console/integrity');
  });

  const status = () => s.page.getByTestId('integrity-status');

  it('shows the chain verified, in green, with its head and the newest checkpoint\'s time and valid signature', async () => {
    const { page } = s;
    const verify = await api(s.reader, 'GET', '/v1/environment_versions/verify');
    expect(verify).toMatchObject({ valid: true, problem: null, checkpoint: { signature_valid: true, matches_chain: true, chain_seq: verify.head.chain_seq } });
    await expectSoon(() => status().getAttribute('data-valid'), 'true');
    expect(await status().innerText()).toContain('Verified');
    const head = await page.getByTestId('integrity-head').innerText();
    expect(head).toContain(String(verify.head.chain_seq));
    expect(head).toContain(verify.head.hash.slice(0, 12));
    const checkpoint = page.getByTestId('integrity-checkpoint');
    expect(await checkpoint.innerText()).toMatch(/signature[\s\S]*valid/i);
    expect(await checkpoint.innerText()).not.toMatch(/invalid/i);
    expect(await checkpoint.locator(`[title*="${verify.checkpoint.created_at}"]`).count()).toBe(1);
    expect(await page.getByTestId('integrity-problem').count()).toBe(0);
    expect(await hueOf(status())).toBe('green');
    const shot = await takeScreenshot(page, 'integrity-ok');
    shot.save();
  });

  it('turns red and names the first bad event after a row of the events table is edited in the database', async () => {
    const { page } = s;
    const db = new Sqlite(s.sqliteFile);
    let target: { position: number; event_id: string };
    try {
      db.pragma('busy_timeout = 10000');
      target = db
        .prepare('SELECT position, event_id FROM events WHERE stream_id = ? AND stream_version = 2')
        .get(`environment-${environmentId}`) as { position: number; event_id: string };
      expect(target.event_id).toEqual(expect.any(String));
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ environment_id: environmentId, set: { metadata: { tier: 'platinum' } } }), target.position);
    } finally {
      db.close();
    }
    const verify = await api(s.reader, 'GET', '/v1/environment_versions/verify');
    expect(verify).toMatchObject({ valid: false, problem: { kind: 'altered', event_id: target.event_id, event_position: target.position } });

    await page.getByTestId('integrity-recheck').click();
    await expectSoon(() => status().getAttribute('data-valid'), 'false');
    expect(await status().innerText()).toContain('Broken');
    const problem = await page.getByTestId('integrity-problem').innerText();
    expect(problem).toContain(target.event_id);
    expect(problem).toContain('altered');
    expect(problem).toContain(String(target.position));
    expect(problem).toContain(verify.problem.message);
    expect(await hueOf(status())).toBe('red');
    const shot = await takeScreenshot(page, 'integrity-broken');
    shot.save();
  });

  itKeepsTheKeysOutOfUrlsAndLogs(() => s);
});

describeInBrowser('console integrity without a checkpoint directory', () => {
  let s: ConsoleSession;
  withConsole((session) => (s = session));

  it('says that no checkpoint directory is configured', async () => {
    await api(s.admin, 'POST', '/v1/environments', { name: 'unsigned' });
    expect(await api(s.reader, 'GET', '/v1/environment_versions/verify')).toMatchObject({ valid: true, checkpoint: null });
    await signIn(s.page, s.baseUrl, s.reader.key, '/console/integrity');
    await expectSoon(() => s.page.getByTestId('integrity-status').getAttribute('data-valid'), 'true');
    expect(await s.page.getByTestId('integrity-checkpoint').innerText()).toMatch(/no checkpoint directory configured/i);
  });

  itKeepsTheKeysOutOfUrlsAndLogs(() => s);
});

/** Whether an element is drawn green or red: its background if that has a hue, else its text. */
async function hueOf(element: Locator): Promise<string> {
  const [background, text] = await element.evaluate((e: any) => {
    const style = (globalThis as any).getComputedStyle(e);
    return [style.backgroundColor as string, style.color as string];
  });
  for (const color of [background, text]) {
    const [r, g, b, alpha] = (color.match(/\d+(\.\d+)?/g) ?? []).map(Number);
    if (alpha === 0) continue;
    if (g > r + 20 && g >= b) return 'green';
    if (r > g + 20 && r > b + 20) return 'red';
  }
  return `neither (background ${background}, text ${text})`;
}
