import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { consoleDirectory } from '../../src/console/console-files';
import { http, TestApp, withTestApp } from '../support/test-app';

/** The console's headers, on every answer under /console (the page, its files, its errors). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function expectSecurityHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect({ name, value: headers.get(name) }).toEqual({ name, value });
}

/** The console as `npm run build` writes it (npm test builds first; a run of this file alone builds it if missing). */
function ensureBuilt(): void {
  if (existsSync(join(consoleDirectory(), 'index.html'))) return;
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', 'console/vite.config.ts'], { cwd: join(__dirname, '../..'), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vite build failed: ${result.stderr}`);
}

describe('the audit console, served at /console', () => {
  let t: TestApp;
  beforeAll(ensureBuilt, 120_000);
  withTestApp((app) => (t = app));

  const get = (path: string, key: string | null = null) => http(t, 'GET', path, { key });

  it('answers its page without a key, with a strict Content-Security-Policy and no inline script or style', async () => {
    const page = await get('/console');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(page.headers);
    const html = page.body as string;
    expect(html).toContain('<div id="app"></div>');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/console\/assets\/[^"]+\.js"/);
      expect(content.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    // Nothing from elsewhere: every file it loads is the service's own.
    for (const [, url] of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) expect(url).toMatch(/^(\/console\/|data:)/);
  });

  it('answers the same page for every page of the app (history routing), whatever key comes with it', async () => {
    const page = (await get('/console')).body;
    for (const path of ['/console/', '/console/environments', '/console/environments/env_123?version=2', '/console/audit?operation=deleted', '/console/integrity', '/console/no/such/page']) {
      const answer = await get(path, 'sk-sb-not-a-key-at-all-000000');
      expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 200, body: page });
      expectSecurityHeaders(answer.headers);
      expect(answer.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('answers its files with their content types and a long immutable cache', async () => {
    const html = (await get('/console')).body as string;
    const files = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    const types = new Set<string>();
    for (const file of files) {
      const answer = await get(file);
      expect({ file, status: answer.status }).toEqual({ file, status: 200 });
      expectSecurityHeaders(answer.headers);
      expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const type = answer.headers.get('content-type')!;
      types.add(type);
      expect(type).toBe(file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect((answer.body as string).length).toBeGreaterThan(0);
    }
    expect(types).toEqual(new Set(['text/javascript; charset=utf-8', 'text/css; charset=utf-8']));
  });

  it('answers an unknown file with a 404 in the error envelope, also for names that try to leave the folder', async () => {
    for (const path of ['/console/assets/nope.js', '/console/assets/index.html', '/console/assets/%2e%2e%2findex.html', '/console/assets/..%2f..%2fpackage.json', '/console/assets/a/b.js']) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.any(String) }, request_id: expect.stringMatching(/^req_/) });
      expectSecurityHeaders(answer.headers);
    }
  });
});
