import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { packageVersion } from '../common/package-version';
import { RouteAccessRegistry, RouteDeclaration } from '../auth/route-access';
import { SCOPES, scopeAllows } from '../auth/scopes';
import { ApiKeyError } from '../auth/domain/errors';
import { DomainError } from '../environments/domain/errors';
import { fromApiKeyError, fromAuditSinkError, fromDomainError, fromWorkError } from '../http/error-mapping';
import { WorkError } from '../work/domain/errors';
import { AuditSinkError } from '../audit-stream/domain/errors';
import { IDEMPOTENCY_KEY_HEADER } from '../idempotency/idempotency-key';
import { RATE_LIMIT_HEADERS } from '../rate-limit/rate-limit.guard';
import { WORKSPACE_HEADER } from '../auth/workspace';
import { DOMAIN_ERROR_MEANINGS, DocumentedError, ERRORS_EXTENSION } from './documented-errors';
import { NAMED_SCHEMAS, useNamedSchemas } from './named-schemas';
import { toOpenApi31 } from './openapi-31';

/** An OpenAPI 3.1 document as JSON. */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Operation>> };
type Operation = Record<string, unknown> & { parameters?: unknown[]; responses: Record<string, unknown> };

const DESCRIPTION = `A self-hostable, event-sourced implementation of the Environments API with a complete audit history.

Every answer carries a \`request-id\` header. Errors come in one envelope (\`Error\`): \`error.type\` says what kind of
failure it is and, where a client may act on it, \`error.details.error_code\` says exactly which. Each operation lists
the statuses it can answer with and their codes.`;

/** The first answer of each kind a route can give besides its own errors (the global guard, interceptor, body parser). */
function generalErrors(route: RouteDeclaration): ApiError[] {
  const access = route.access;
  const isPublic = access === 'public' || access === undefined;
  const malformed = isPublic ? 'A malformed URL (a NUL character in a parameter)' : `A malformed parameter, or an ${WORKSPACE_HEADER} naming another workspace`;
  const errors: ApiError[] = [new ApiError(400, 'invalid_request_error', malformed), new ApiError(500, 'api_error', 'Internal server error')];
  if (access === 'public' || access === undefined) return errors;
  const retry = { 'retry-after': '1' };
  errors.push(
    new ApiError(401, 'authentication_error', 'No key, or an unknown, expired or revoked one'),
    new ApiError(429, 'rate_limit_error', "Over the key's rate limit", undefined, retry),
    new ApiError(503, 'api_error', 'The database is unavailable or overloaded; retry later', undefined, retry),
  );
  // Every authenticated route refuses some valid credential: a scope too low, or a self-hosted worker's credential of a kind it does not take.
  const scopeTooLow = SCOPES.some((scope) => !scopeAllows(scope, access)) ? `an API key whose scope is below "${access}", ` : '';
  errors.push(new ApiError(403, 'permission_error', `A valid credential it does not take: ${scopeTooLow}or a credential of another kind, environment or work item`, 'insufficient_scope'));
  if (route.method === 'POST') {
    // The idempotency interceptor (src/idempotency/idempotency.interceptor.ts).
    errors.push(
      new ApiError(409, 'conflict_error', 'A request with this Idempotency-Key is still running', 'idempotency_key_in_use', retry),
      new ApiError(422, 'invalid_request_error', 'This Idempotency-Key was used for a different request', 'idempotency_key_reused', {
        'x-should-retry': 'false',
      }),
    );
  }
  if (route.method === 'POST' || route.method === 'DELETE') {
    // Fastify reads a body on these methods (even where the route takes none): the JSON body parser's refusals.
    errors.push(
      new ApiError(413, 'request_too_large', 'The body is larger than the limit'),
      new ApiError(415, 'invalid_request_error', 'The body is not application/json'),
    );
  }
  return errors;
}

/** The components.headers entry of each header an error answer can carry. */
const ERROR_HEADERS: Record<string, string> = { 'retry-after': 'RetryAfter', 'x-should-retry': 'ShouldRetry' };

function domainError(error: DocumentedError): ApiError {
  const message = DOMAIN_ERROR_MEANINGS[error.code];
  if (error.domain === 'environment') return fromDomainError(new DomainError(error.code, message));
  if (error.domain === 'work') return fromWorkError(new WorkError(error.code, message));
  if (error.domain === 'audit_sink') return fromAuditSinkError(new AuditSinkError(error.code, message));
  return fromApiKeyError(new ApiKeyError(error.code, message));
}

/** The error envelope narrowed to the `error.type`s and `error_code`s one answer can carry (no `details` without codes). */
function errorSchema(types: string[], codes: string[]) {
  const details = codes.length ? { properties: { error_code: { enum: codes } } } : false;
  return { $ref: '#/components/schemas/Error', properties: { error: { properties: { type: { enum: types }, details } } } };
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

/** The error answers of one operation, by status: every `error.type` and `error_code` each can carry. */
function errorResponses(errors: ApiError[]): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const status of unique(errors.map((e) => e.status)).sort((a, b) => a - b)) {
    const same = errors.filter((e) => e.status === status);
    const codes = unique(same.flatMap((e) => (e.code ? [e.code] : [])));
    const lines = same.map((e) => `- ${e.code ? `\`${e.code}\`: ` : ''}${e.message}`);
    responses[String(status)] = {
      description: lines.join('\n'),
      headers: {
        'request-id': { $ref: '#/components/headers/RequestId' },
        ...Object.fromEntries(
          unique(same.flatMap((e) => Object.keys(e.headers))).map((name) => [name, { $ref: `#/components/headers/${ERROR_HEADERS[name]}` }]),
        ),
      },
      content: { 'application/json': { schema: errorSchema(unique(same.map((e) => e.type)), codes) } },
    };
  }
  return responses;
}

/** A router path as the description spells it: `:id` is `{id}`, a final wildcard `*` is `{path}` (as @nestjs/swagger names it). */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');

/** Security, common headers and every error answer of one operation, from its route's access and method. */
function completeOperation(operation: Operation, route: RouteDeclaration): void {
  const documented = (operation[ERRORS_EXTENSION] as DocumentedError[] | undefined) ?? [];
  delete operation[ERRORS_EXTENSION];
  const isPublic = route.access === 'public';
  operation.security = isPublic ? [] : [{ ApiKey: [] }, { BearerAuth: [] }];
  operation['x-required-scope'] = route.credentials.apiKey ? route.access : 'none';
  if (route.credentials.worker.length) operation['x-worker-credentials'] = [...route.credentials.worker];
  const parameters = (operation.parameters ?? []).filter((p) => (p as { in?: string }).in !== 'header' || (p as { name?: string }).name !== 'if-match');
  if (!isPublic) {
    parameters.push(...['Workspace', 'AnthropicVersion', 'AnthropicBeta'].map((name) => ({ $ref: `#/components/parameters/${name}` })));
    if (route.method === 'POST') parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  }
  operation.parameters = parameters;
  for (const [status, response] of Object.entries(operation.responses)) {
    const answer = response as { headers?: Record<string, unknown> };
    answer.headers = { 'request-id': { $ref: '#/components/headers/RequestId' }, ...answer.headers };
    if (!isPublic) answer.headers = { ...answer.headers, ...RATE_LIMIT_RESPONSE_HEADERS };
    if (route.method === 'POST' && status.startsWith('2')) answer.headers['idempotent-replayed'] = { $ref: '#/components/headers/IdempotentReplayed' };
  }
  const errors = errorResponses([...generalErrors(route), ...documented.map(domainError)]);
  for (const [status, response] of Object.entries(errors)) operation.responses[status] ??= response;
}

const RATE_LIMIT_RESPONSE_HEADERS = Object.fromEntries(
  Object.values(RATE_LIMIT_HEADERS).map((name) => [name, { $ref: '#/components/headers/RateLimit' }]),
);

/**
 * GET /metrics is served beside the API's routes, not by a controller
 * (src/metrics/metrics-endpoint.ts): described here by hand.
 */
const METRICS_OPERATION: Operation = {
  operationId: 'metrics',
  summary: 'Prometheus metrics',
  description:
    'Served on the API port only when METRICS_TOKEN is set (then it must be sent as a Bearer token; 404 otherwise), ' +
    'and on METRICS_PORT when that is set. The Prometheus text exposition format.',
  security: [{ MetricsToken: [] }],
  parameters: [],
  responses: {
    '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
    '401': {
      description: 'No METRICS_TOKEN, or a wrong one.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
    '404': {
      description: 'METRICS_TOKEN is not set: the API port serves no metrics.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
  },
};

const COMPONENTS = {
  securitySchemes: {
    MetricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics only.' },
    ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key (`sk-sb-...`).' },
    BearerAuth: { type: 'http', scheme: 'bearer', description: 'The same key as `Authorization: Bearer <key>`.' },
  },
  parameters: {
    Workspace: {
      name: WORKSPACE_HEADER,
      in: 'header',
      required: false,
      description: "The key's organization has one workspace; naming any other is a 400.",
      schema: { type: 'string' },
    },
    AnthropicVersion: { name: 'anthropic-version', in: 'header', required: false, description: 'Accepted and ignored.', schema: { type: 'string' } },
    AnthropicBeta: { name: 'anthropic-beta', in: 'header', required: false, description: 'Accepted and ignored.', schema: { type: 'string' } },
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Makes a retry safe: the first answer to this key (of this API key) is stored and replayed to a repeat of the same request; ' +
        'a different request with the same key is a 422, one while the first still runs a 409.',
      schema: { type: 'string', pattern: '^[\\x20-\\x7e]{1,255}$' },
    },
  },
  headers: {
    RequestId: { description: 'The request id (`req_...`), also in error bodies and the logs.', schema: { type: 'string' } },
    RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'string' } },
    ShouldRetry: { description: '`false`: retrying the same request cannot succeed.', schema: { type: 'string', const: 'false' } },
    RateLimit: { description: "The key's rate limit: the limit, what remains, and when it refills.", schema: { type: 'string' } },
    IdempotentReplayed: { description: '`true` on an answer replayed for an Idempotency-Key.', schema: { type: 'string' } },
  },
};

/**
 * The API description, generated from the controllers (their @nestjs/swagger
 * decorators, the request classes' class-validator decorators, the resources'
 * JSON Schemas) and completed from the code that decides access and errors:
 * the routes' `@Access` declarations give security, scope errors and the
 * headers; the error mapping gives each domain error's status and code. A
 * route without a description, or a description without a route, is an
 * error here rather than a gap in the document.
 */
export function buildOpenApiDocument(app: INestApplication): OpenApiDocument {
  const config = new DocumentBuilder()
    .setTitle('Sandbase Environments API')
    .setDescription(DESCRIPTION)
    .setVersion(packageVersion())
    .setOpenAPIVersion('3.1.0')
    .build();
  const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false }) as unknown as OpenApiDocument;
  const routes = app.get(RouteAccessRegistry).routes();
  const seen = new Set<Operation>();
  for (const route of routes) {
    const operation = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
    if (!operation) throw new Error(`${route.method} ${route.path} (${route.handler}) is not in the API description`);
    completeOperation(operation, route);
    seen.add(operation);
  }
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!seen.has(operation)) throw new Error(`${method.toUpperCase()} ${path} is described but not served`);
    }
  }
  document.paths['/metrics'] = { get: METRICS_OPERATION };
  document.components = { ...COMPONENTS, schemas: { ...NAMED_SCHEMAS } };
  return useNamedSchemas(toOpenApi31(document)) as OpenApiDocument;
}
