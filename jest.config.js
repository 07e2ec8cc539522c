/**
 * Three layers, each runnable alone with `--selectProjects`:
 *   unit  pure domain (given events / when command / then events)
 *   int   stores and projections against a real database
 *   e2e   the running service over real HTTP, also through @anthropic-ai/sdk
 *   browser  the audit console in headless Chromium against the compiled service (SQLite only)
 * `DATABASE_URL=postgres://...` runs the int and e2e layers on PostgreSQL.
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const slow = { setupFilesAfterEnv: ['<rootDir>/test/support/slow-tests.js'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.unit.spec.ts'] },
    // Real databases, real processes, a shared 2-core machine: generous per-test limits (never timing assertions).
    { ...common, ...slow, displayName: 'int', testMatch: ['<rootDir>/test/int/**/*.int.spec.ts'] },
    { ...common, ...slow, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e.spec.ts'] },
    { ...common, ...slow, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser.spec.ts'] },
  ],
};
