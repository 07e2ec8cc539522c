import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyErrorCode } from '../../src/auth/domain/errors';
import { DomainErrorCode } from '../../src/environments/domain/errors';
import { registeredRoutes } from '../../src/http/registered-routes';
import { openApiPath } from '../../src/openapi/build-document';
import { DOCUMENT_FILE, serializeDocument } from '../../src/openapi/write-document';
import { ResponseChecker } from '../support/openapi-responses';
import { http, startTestApp, TestApp } from '../support/test-app';

type Operation = { security?: unknown[]; parameters?: { $ref?: string; name?: string }[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

/** Validates a document with @seriousme/openapi-schema-validator (an ES module: run in a child process). */
function validateOpenApi(document: object): { valid: boolean; version: string; errors?: unknown } {
  const dir = mkdtempSync(join(tmpdir(), 'sandbase-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const script =
      "import { Validator } from '@seriousme/openapi-schema-validator';" +
      'const validator = new Validator(); const result = await validator.validate(process.argv[1]);' +
      'process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));';
    return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, file], { cwd: join(__dirname, '../..'), encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('API description (OpenAPI 3.1)', () => {
  let t: TestApp;
  let document: Document;
  beforeAll(async () => {
    t = await startTestApp();
    const response = await http(t, 'GET', '/openapi.json', { key: null });
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is served without a key and is a valid OpenAPI 3.1 document', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(validateOpenApi(document)).toEqual({ valid: true, version: '3.1' });
  });

  it('is refused by the validator when broken (the check can fail)', () => {
    const broken = { ...document, paths: { ...document.paths, '/v1/broken': { get: { responses: { '200': { content: 'nope' } } } } } };
    expect(validateOpenApi(broken).valid).toBe(false);
  });

  it('describes every route the application serves, and nothing else', () => {
    const served = registeredRoutes(t.app.getHttpAdapter().getInstance()).map((r) => `${r.method} ${openApiPath(r.path)}`);
    // GET /metrics is served beside the API's routes, and only when METRICS_TOKEN is set (metrics.e2e checks its answers against this document).
    const described = Object.entries(document.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .filter((operation) => operation !== 'GET /metrics');
    expect(document.paths['/metrics']?.get?.security).toEqual([{ MetricsToken: [] }]);
    expect(served.length).toBeGreaterThanOrEqual(17);
    expect([...described].sort()).toEqual([...new Set(served)].sort());
  });

  it('documents the security, headers and error answers of every operation', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (name === 'GET /metrics') continue;
        const isPublic = path.startsWith('/health') || path.startsWith('/docs') || path.startsWith('/console') || path === '/openapi.json';
        const refs = (operation.parameters ?? []).map((p) => p.$ref ?? p.name);
        expect({ name, security: operation.security }).toEqual({ name, security: isPublic ? [] : [{ ApiKey: [] }, { BearerAuth: [] }] });
        if (isPublic) continue;
        expect({ name, refs }).toEqual({ name, refs: expect.arrayContaining(['#/components/parameters/Workspace']) });
        expect({ name, errors: Object.keys(operation.responses) }).toEqual({ name, errors: expect.arrayContaining(['400', '401', '429', '500', '503']) });
        if (method === 'post') {
          expect({ name, refs }).toEqual({ name, refs: expect.arrayContaining(['#/components/parameters/IdempotencyKey']) });
          expect({ name, errors: Object.keys(operation.responses) }).toEqual({ name, errors: expect.arrayContaining(['409', '422']) });
        }
      }
    }
    const update = document.paths['/v1/environments/{id}'].post;
    expect(update.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'If-Match', in: 'header' })]));
    expect(Object.keys(update.responses)).toEqual(expect.arrayContaining(['403', '404', '409', '412']));
  });

  it('lists every error code the API answers with', () => {
    const text = JSON.stringify(document.paths);
    const codes = [...Object.values(DomainErrorCode), ...Object.values(ApiKeyErrorCode)].filter((code) => code !== 'invalid_request');
    for (const code of [...codes, 'insufficient_scope', 'idempotency_key_in_use', 'idempotency_key_reused']) {
      expect({ code, documented: text.includes(`"${code}"`) }).toEqual({ code, documented: true });
    }
  });

  it('is committed as docs/openapi.json, current with the code', () => {
    const committed = readFileSync(DOCUMENT_FILE, 'utf8');
    if (committed !== serializeDocument(document)) {
      throw new Error('docs/openapi.json is stale: run `npm run openapi` and commit the result');
    }
  });

  it('serves a browsable reference at /docs without a key', async () => {
    const page = await http(t, 'GET', '/docs', { key: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('/docs/swagger-ui-bundle.js');
    expect((await http(t, 'GET', '/docs/docs.js', { key: null })).body).toContain("url: '/openapi.json'");
    for (const file of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui-standalone-preset.js', '/docs/docs.js']) {
      const asset = await http(t, 'GET', file, { key: null });
      expect({ file, status: asset.status, length: String(asset.body).length > 10 }).toEqual({ file, status: 200, length: true });
    }
    const missing = await http(t, 'GET', '/docs/..%2Fpackage.json', { key: null });
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('error');
  });

  it('catches an answer that drifts from the description', () => {
    const checker = new ResponseChecker(() => document);
    const environment = { id: 'env_1', type: 'environment', name: 'x' };
    checker.check('POST', '/v1/environments', '/v1/environments', 200, 'application/json', JSON.stringify(environment));
    checker.check('GET', '/v1/environments/:id', '/v1/environments/env_1', 418, 'application/json', '{}');
    const undocumentedCode = { type: 'error', error: { type: 'not_found_error', message: 'x', details: { error_code: 'api_key_not_found' } }, request_id: 'req_1' };
    checker.check('GET', '/v1/environments/:id', '/v1/environments/env_1', 404, 'application/json', JSON.stringify(undocumentedCode));
    const documented = { ...undocumentedCode, error: { ...undocumentedCode.error, details: { error_code: 'environment_not_found' } } };
    checker.check('GET', '/v1/environments/:id', '/v1/environments/env_1', 404, 'application/json', JSON.stringify(documented));
    expect(checker.drifts.map((d) => d.request)).toEqual(['POST /v1/environments', 'GET /v1/environments/env_1', 'GET /v1/environments/env_1']);
    expect(() => checker.assertNoDrift()).toThrow(/3 answer\(s\) do not match/);
  });
});
