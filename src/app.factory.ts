import { LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import sjson from 'secure-json-parse';
import { AppModule } from './app.module';
import { Database } from './database/database';
import { ApiError, errorEnvelope } from './common/api-error';
import { ErrorEnvelopeFilter } from './common/http-exception.filter';
import { newRequestId } from './common/ids';
import type { AppConfig, LogLevel } from './config/config';

const NEST_LOG_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** How deep a JSON body may nest; the API's own shapes need 4 levels. */
export const MAX_BODY_DEPTH = 32;

/** Lone UTF-16 surrogates (`\ud800` without its pair) are not text: PostgreSQL's jsonb refuses them. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'Request body must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'Request body must not contain unpaired UTF-16 surrogates (such as \\ud800)';
  return null;
}

/**
 * Why a parsed body cannot be accepted, or null: nesting beyond
 * MAX_BODY_DEPTH, or a key or string that PostgreSQL cannot store (U+0000,
 * a lone surrogate). Iterative, so no body can exhaust the stack.
 */
function bodyProblem(root: unknown): string | null {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) return problem;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_BODY_DEPTH) return `Request body is nested more than ${MAX_BODY_DEPTH} levels deep`;
    for (const [key, item] of Object.entries(value)) {
      const problem = stringProblem(key);
      if (problem) return problem;
      stack.push([item, depth + 1]);
    }
  }
  return null;
}

/**
 * JSON bodies: an empty body is "no body" (so `curl -X POST .../archive -H
 * 'content-type: application/json'` works), malformed JSON is a 400 naming the
 * problem, and prototype-poisoning keys are refused.
 */
function parseJsonBody(_request: unknown, body: string, done: (err: Error | null, value?: unknown) => void): void {
  if (body.trim() === '') return done(null, undefined);
  let parsed: unknown;
  try {
    parsed = sjson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    return done(ApiError.badRequest(`Request body is not valid JSON: ${(error as Error).message}`));
  }
  const problem = bodyProblem(parsed);
  done(problem ? ApiError.badRequest(problem) : null, problem ? undefined : parsed);
}

/**
 * Why a path parameter or query value cannot be accepted, or null. PostgreSQL
 * cannot compare text containing U+0000, so `/v1/environments/a%00b` must be
 * refused before any query, on both databases alike.
 */
function urlProblem(values: unknown): string | null {
  if (!values || typeof values !== 'object') return null;
  for (const value of Object.values(values).flat()) {
    if (typeof value === 'string' && value.includes('\u0000')) {
      return 'The URL must not contain the NUL character (%00) in a path segment or query parameter';
    }
  }
  return null;
}

/**
 * Errors Fastify raises before routing (a path that is not valid
 * percent-encoded UTF-8, an over-long path segment), answered in the envelope
 * with a request id like every other error.
 */
function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    error.code === 'FST_ERR_BAD_URL'
      ? ApiError.badRequest('The URL path is not valid percent-encoded UTF-8')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError(414, 'invalid_request_error', 'A URL path segment is longer than 16 KiB')
        : new ApiError(500, 'api_error', 'Internal server error');
  void reply
    .status(apiError.status)
    .header('request-id', request.id)
    .send(errorEnvelope(apiError, String(request.id)));
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over
 * 16 KiB, a malformed header line, a request that takes too long to arrive):
 * answered in the envelope with a request id like every other error, then the
 * connection is closed.
 */
function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers (including the URL) are larger than 16 KiB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time']
        : [400, 'The request is not valid HTTP/1.1'];
  const requestId = newRequestId();
  const body = JSON.stringify(errorEnvelope(new ApiError(status, 'invalid_request_error', message), requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nrequest-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Builds the HTTP application (not yet listening): used by main.ts and by the tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => newRequestId(),
    // Long ids must reach the router and get a 404 in the envelope, not Fastify's bare 414.
    routerOptions: { maxParamLength: 16 * 1024 },
    logger: false,
    return503OnClosing: true,
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
  const fastify = adapter.getInstance();
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('request-id', request.id);
    done();
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const problem = urlProblem(request.params) ?? urlProblem(request.query);
    done(problem ? ApiError.badRequest(problem) : undefined);
  });
  // Opened before Nest starts: a database that cannot be reached (or migrated)
  // is reported by the caller in one line, not as Nest's stack trace.
  const database = await Database.open(config.database, { migrate: true });
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, database), adapter, {
      logger: NEST_LOG_LEVELS[config.logLevel],
      bufferLogs: false,
      bodyParser: false,
      abortOnError: false,
    });
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  app.useGlobalFilters(new ErrorEnvelopeFilter());
  app.enableShutdownHooks();
  return app;
}
