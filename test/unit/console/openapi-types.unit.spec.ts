import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const TYPES = join(ROOT, 'console/src/api/openapi.d.ts');

/** The console is typed against the API description: `npm run console:types` writes its types, this fails when they are stale. */
describe('the console API types', () => {
  it('are what openapi-typescript makes of docs/openapi.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbase-console-types-'));
    try {
      const out = join(dir, 'openapi.d.ts');
      const cli = join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
      execFileSync(process.execPath, [cli, join(ROOT, 'docs/openapi.json'), '-o', out], { cwd: ROOT, stdio: 'pipe' });
      const fresh = readFileSync(out, 'utf8');
      expect(fresh.length).toBeGreaterThan(1000);
      const committed = readFileSync(TYPES, 'utf8');
      if (committed !== fresh) throw new Error('console/src/api/openapi.d.ts is stale: run `npm run console:types` and commit it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
