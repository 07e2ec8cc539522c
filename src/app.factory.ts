import fastifyCors from '@fastify/cors';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { Database } from './database/database';
import { ApiError } from './common/api-error';
import { ErrorEnvelopeFilter } from './http/error-envelope.filter';
import { parseJsonBody } from './http/json-body.parser';
import { onClientError, onFrameworkError, urlProblem } from './http/transport-errors';
import { newRequestId } from './common/ids';
import type { AppConfig } from './config/config';
import { createLogger, logDestination } from './logging/logger';
import { serveMetrics } from './metrics/metrics-endpoint';
import { poolOf, ServiceMetrics } from './metrics/service-metrics';
import { flushTracing, tracingEnabled } from './telemetry/spans';
import { PinoNestLogger } from './logging/pino-nest-logger';
import { recordRoutes } from './http/registered-routes';
import { RequestLogController, rememberTraceId } from './http/request-log';
import { drainOversizedBody } from './http/oversized-body';
import { settleFailedIdempotentAnswer } from './http/failed-idempotent-answer';
import { RATE_LIMIT_HEADERS } from './rate-limit/rate-limit.guard';
import { installOpenApi } from './openapi/install';

/** Builds the HTTP application (not yet listening): used by main.ts and by the tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel, logDestination(config.logFormat));
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RequestLogController(),
    bodyLimit: config.bodyLimitBytes,
    // X-Forwarded-For counts only from these (request.ip); none by default.
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    genReqId: () => newRequestId(),
    // Long ids must reach the router and get a 404 in the envelope, not Fastify's bare 414.
    routerOptions: { maxParamLength: 16 * 1024 },
    return503OnClosing: true,
    // Slow clients (slowloris): headers, the whole request and idle connections are bounded in time.
    // Node checks the first two every second (connectionsCheckingInterval), answering 408 (onClientError).
    http: { headersTimeout: config.timeouts.headersMs, connectionsCheckingInterval: 1000 },
    requestTimeout: config.timeouts.requestMs,
    keepAliveTimeout: config.timeouts.keepAliveMs,
    connectionTimeout: config.timeouts.idleSocketMs,
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
  const fastify = adapter.getInstance();
  const metrics = new ServiceMetrics();
  // Before recordRoutes: /metrics is not one of the API's routes.
  serveMetrics(fastify, metrics, config.metrics);
  // Only with tracing on: there is no trace id to remember otherwise.
  if (tracingEnabled()) fastify.addHook('onRequest', rememberTraceId);
  fastify.addHook('onClose', async () => flushTracing());
  recordRoutes(fastify);
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('request-id', request.id);
    // A JSON API: no browser may sniff an answer into something else.
    reply.header('x-content-type-options', 'nosniff');
    done();
  });
  fastify.addHook('onSend', drainOversizedBody(config.bodyLimitBytes));
  fastify.addHook('onSend', settleFailedIdempotentAnswer);
  if (config.corsOrigins.length) {
    // Off unless CORS_ORIGINS is set: browsers on those origins only, no cookies (keys travel in headers).
    await fastify.register(fastifyCors, {
      origin: config.corsOrigins,
      credentials: false,
      methods: ['GET', 'POST', 'DELETE'],
      exposedHeaders: ['request-id', 'retry-after', ...Object.values(RATE_LIMIT_HEADERS)],
      maxAge: 600,
    });
  }
  fastify.addHook('preValidation', (request, _reply, done) => {
    const problem = urlProblem(request.params) ?? urlProblem(request.query);
    done(problem ? ApiError.badRequest(problem) : undefined);
  });
  // Opened before Nest starts: a database that cannot be reached (or migrated)
  // is reported by the caller in one line, not as Nest's stack trace.
  const database = await Database.open(config.database, { migrate: true });
  metrics.watchDatabase(config.database, () => poolOf(database));
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, database, metrics), adapter, {
      logger: new PinoNestLogger(logger),
      bufferLogs: false,
      bodyParser: false,
      abortOnError: false,
    });
  } catch (error) {
    metrics.close();
    await database.close().catch(() => undefined);
    throw error;
  }
  app.useGlobalFilters(new ErrorEnvelopeFilter());
  installOpenApi(app);
  app.enableShutdownHooks();
  return app;
}
