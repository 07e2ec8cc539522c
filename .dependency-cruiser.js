/**
 * The layer rules of docs/architecture.md ("Layers"), checked by
 * `npm run lint:deps` in CI: an import that points up a layer fails the build.
 */
const FEATURES = '(environments|audit|auth|organizations|rate-limit|projections|transfer|health|cli|idempotency|work|audit-stream|console)';
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'A domain folder is pure TypeScript: no other folder of src, no framework, database or I/O package.',
      severity: 'error',
      from: { path: '^src/([^/]+)/domain/' },
      to: {
        pathNot: '^src/$1/domain/|^src/common/coded-error\\.ts$',
        path: '^src/|^node_modules/(@nestjs|typeorm|pg|better-sqlite3|fastify|class-validator)/|^(fs|net|http|child_process)$',
      },
    },
    {
      name: 'http-goes-through-the-buses',
      comment: 'Controllers send commands and queries; they never touch the event store or the database.',
      severity: 'error',
      from: { path: '^src/[^/]+/http/' },
      to: { path: '^src/(event-store|database)/' },
    },
    {
      name: 'read-side-knows-no-transport',
      comment: 'Read models and query handlers use environments/resources, never the HTTP layer.',
      severity: 'error',
      from: { path: '^src/environments/(projections|queries|resources)/' },
      to: { path: '^src/environments/http/|^src/http/' },
    },
    {
      name: 'queries-do-not-write',
      comment: 'Query handlers read the read models; they never import commands or the event store.',
      severity: 'error',
      from: { path: '^src/[^/]+/queries/' },
      to: { path: '^src/environments/commands/|^src/event-store/' },
    },
    {
      name: 'event-store-is-below-the-features',
      comment: 'The event store owns its hash chain; audit and the features read it, not the other way round.',
      severity: 'error',
      from: { path: '^src/event-store/' },
      to: { path: `^src/${FEATURES}/|^src/http/` },
    },
    {
      name: 'common-is-the-ground-floor',
      comment: 'common imports no other folder of src.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'config-is-the-ground-floor',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|common)/' },
    },
    {
      name: 'telemetry-is-the-ground-floor',
      comment: 'The write path reports to src/telemetry (signals, spans); it imports nothing else of src, so any layer may call it.',
      severity: 'error',
      from: { path: '^src/telemetry/' },
      to: { path: '^src/', pathNot: '^src/telemetry/' },
    },
    {
      name: 'database-knows-no-read-model',
      comment: 'The database adapters import no feature, read model or event store code.',
      severity: 'error',
      from: { path: '^src/database/' },
      to: { path: `^src/${FEATURES}/|^src/(event-store|http)/` },
    },
    {
      name: 'idempotency-knows-no-feature',
      comment: 'Idempotent retries wrap every POST: the features register their answers with it, it imports none of them.',
      severity: 'error',
      from: { path: '^src/idempotency/' },
      to: { path: `^src/${FEATURES}/|^src/http/`, pathNot: '^src/idempotency/' },
    },
    {
      name: 'environments-below-audit',
      comment: 'audit reads the environments history; environments never import audit.',
      severity: 'error',
      from: { path: '^src/environments/' },
      to: { path: '^src/audit/' },
    },
    {
      name: 'organizations-below-auth',
      comment: 'Keys belong to organizations: auth reads organizations, never the other way round.',
      severity: 'error',
      from: { path: '^src/organizations/' },
      to: { path: '^src/auth/' },
    },
    {
      name: 'rate-limit-below-auth',
      comment: 'The guard in auth consults the rate limiter; the limiter knows routes only by their access declaration (common).',
      severity: 'error',
      from: { path: '^src/rate-limit/' },
      to: { path: '^src/auth/' },
    },
    {
      name: 'replay-is-above-the-features',
      comment: 'src/projections replays every family of projections; the features only declare their family.',
      severity: 'error',
      from: { path: '^src/(environments|auth|organizations|audit|event-store|database|common|config)/' },
      to: { path: '^src/projections/' },
    },
    {
      name: 'app-http-is-top-level',
      comment: 'src/http (error mapping, body parsing) is used by the application factory only, and described by src/openapi.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(http/|openapi/|app\\.factory\\.ts$|main\\.ts$)' },
      to: { path: '^src/http/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'class-validator-through-common',
      comment: 'class-validator comes from src/common/class-validator.ts, which loads only the files in use (its index is about 320 modules of start-up).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/common/class-validator\\.ts$' },
      to: { path: '^node_modules/class-validator/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench|dist)/' },
  },
};
