import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleFiles } from '../../../src/console/console-files';

describe('the console files on disk', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sandbase-console-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('have no page when the console was not built (the route answers 503)', () => {
    expect(new ConsoleFiles(join(dir, 'missing')).index()).toBeNull();
    expect(new ConsoleFiles(join(dir, 'missing')).asset('index-abc.js')).toBeNull();
  });

  it('serve only plain file names of assets/ with a known type', () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'secret.js'), 'outside');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'code');
    writeFileSync(join(dir, 'assets', 'notes.xyz'), 'unknown type');
    const files = new ConsoleFiles(dir);
    expect(files.index()?.toString()).toBe('<!doctype html>');
    expect(files.asset('index-abc.js')).toEqual({ type: 'text/javascript; charset=utf-8', content: Buffer.from('code') });
    for (const name of ['../secret.js', '..', '.hidden.js', 'notes.xyz', 'missing.js', 'assets/index-abc.js', '']) expect(files.asset(name)).toBeNull();
  });
});
