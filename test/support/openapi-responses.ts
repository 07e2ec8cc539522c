import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { openApiPath } from '../../src/openapi/build-document';

type Document = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };

/** One answer that does not match the API description. */
export interface Drift {
  request: string;
  status: number;
  problem: string;
}

const pointer = (...segments: string[]) => segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/**
 * Checks answers against the API description: each JSON answer must match
 * the schema its operation documents for its status, and the status must be
 * documented. Validators are compiled once per process (the description of
 * the code under test does not change within it) and cached per schema.
 */
export class ResponseChecker {
  private static shared: { document: Document; ajv: Ajv2020; validators: Map<string, ValidateFunction> } | null = null;
  readonly drifts: Drift[] = [];

  /** `documentOf`: the application's description, asked for only by the first checker of the process. */
  constructor(documentOf: () => object) {
    if (!ResponseChecker.shared) {
      const document = documentOf();
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema(document, 'openapi.json');
      ResponseChecker.shared = { document: document as Document, ajv, validators: new Map() };
    }
  }

  private validator(ref: string): ValidateFunction {
    const shared = ResponseChecker.shared!;
    let validate = shared.validators.get(ref);
    if (!validate) {
      validate = shared.ajv.compile({ $ref: `openapi.json#/${ref}` });
      shared.validators.set(ref, validate);
    }
    return validate;
  }

  check(method: string, route: string | undefined, url: string, status: number, contentType: string, payload: unknown): void {
    const request = `${method} ${url}`;
    const isJson = /^application\/json/.test(contentType);
    if (route === undefined) {
      // No route matched (404, or refused before routing): the error envelope.
      if (isJson) this.validate(request, status, 'components/schemas/Error', payload);
      return;
    }
    const path = openApiPath(route);
    const operation = ResponseChecker.shared!.document.paths[path]?.[method.toLowerCase()];
    if (!operation) {
      if (method !== 'HEAD' && method !== 'OPTIONS') this.drifts.push({ request, status, problem: `${method} ${path} is not in the description` });
      return;
    }
    const response = operation.responses[String(status)];
    if (!response) {
      this.drifts.push({ request, status, problem: `status ${status} is not documented for ${method} ${path}` });
      return;
    }
    if (!isJson) return;
    if (!response.content?.['application/json']?.schema) {
      this.drifts.push({ request, status, problem: `no JSON schema documented for ${status}` });
      return;
    }
    this.validate(request, status, pointer('paths', path, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema'), payload);
  }

  private validate(request: string, status: number, ref: string, payload: unknown): void {
    let body: unknown;
    try {
      body = JSON.parse(String(payload));
    } catch {
      this.drifts.push({ request, status, problem: 'the body is not JSON' });
      return;
    }
    const validate = this.validator(ref);
    if (!validate(body)) {
      const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
      this.drifts.push({ request, status, problem: `${errors.join('; ')} in ${JSON.stringify(body).slice(0, 400)}` });
    }
  }

  /** Checks every answer the server sends, as it leaves. */
  hook(fastify: FastifyInstance): void {
    fastify.addHook('onSend', (request, reply, payload, done) => {
      try {
        const contentType = String(reply.getHeader('content-type') ?? '');
        this.check(request.method, request.routeOptions.url, request.url, reply.statusCode, contentType, payload);
      } catch (error) {
        this.drifts.push({ request: `${request.method} ${request.url}`, status: reply.statusCode, problem: `check failed: ${String(error)}` });
      }
      done(null, payload);
    });
  }

  /** Throws when an answer drifted from the description. */
  assertNoDrift(): void {
    if (!this.drifts.length) return;
    const list = this.drifts.slice(0, 20).map((d) => `  ${d.request} -> ${d.status}: ${d.problem}`).join('\n');
    throw new Error(`${this.drifts.length} answer(s) do not match the API description (docs/openapi.json):\n${list}`);
  }
}
