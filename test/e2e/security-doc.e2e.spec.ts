import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { permissionTable } from '../../src/auth/permission-table';
import { RouteAccessRegistry } from '../../src/auth/route-access';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * docs/security.md shows which scope may call what, generated from the
 * routes' declarations: this fails when the table is stale. Regenerate it
 * with `UPDATE_DOCS=1 npx jest test/e2e/security-doc.e2e.spec.ts`.
 */
const DOC = resolve(__dirname, '../../docs/security.md');
const START = '<!-- permission-table:start (generated from the routes; see test/e2e/security-doc.e2e.spec.ts) -->';
const END = '<!-- permission-table:end -->';

describe('docs/security.md', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has the permission table of the routes the application serves', () => {
    const table = permissionTable(t.app.get(RouteAccessRegistry).routes());
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect({ start: start >= 0, end: end > start }).toEqual({ start: true, end: true });
    const current = doc.slice(start + START.length, end).trim();
    if (process.env.UPDATE_DOCS === '1' && current !== table) {
      writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${table}\n${doc.slice(end)}`);
      return;
    }
    expect(current).toBe(table);
  });
});
