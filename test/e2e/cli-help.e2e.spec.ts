import { runCli } from '../support/cli';

jest.setTimeout(240_000);

/** Nothing listens on port 1: a database that cannot be reached. */
const UNREACHABLE = { DATABASE_URL: 'postgres://sandbase@127.0.0.1:1/sandbase' };

describe('CLI help without a database', () => {
  it('--help lists every command, and a command\'s --help its options, while the database is unreachable', async () => {
    const [overview, backup, needsIt] = await Promise.all([
      runCli(['--help'], UNREACHABLE),
      runCli(['backup', '--help'], UNREACHABLE),
      runCli(['keys', 'list'], UNREACHABLE),
    ]);
    expect(overview.code).toBe(0);
    for (const command of ['keys', 'projections', 'audit', 'export', 'import', 'backup', 'restore']) {
      expect(overview.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain('--out <file>');
    expect(backup.stdout).toContain('--quiet');
    // A command that needs the database still says plainly that it cannot reach it.
    expect(needsIt.code).toBe(1);
    expect(needsIt.stderr).toMatch(/^sandbase: error: cannot open the database postgres:\/\/.*127\.0\.0\.1:1/);
  });
});
