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
import { createLogger } from './logging/logger';
import { PinoNestLogger } from './logging/pino-nest-logger';
import { recordRoutes } from './http/registered-routes';
import { RequestLogController } from './http/request-log';

/** Builds the HTTP application (not yet listening): used by main.ts and by the tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel);
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
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
  const fastify = adapter.getInstance();
  recordRoutes(fastify);
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
      logger: new PinoNestLogger(logger),
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
