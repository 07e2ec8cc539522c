import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ApiError, errorEnvelope } from '../common/api-error';
import type { MetricsConfig } from '../config/config';
import type { ServiceMetrics } from './service-metrics';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). */
function authorized(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * Counts every answered request, and serves GET /metrics on the API's port
 * when METRICS_TOKEN is set (a scrape must send it as a Bearer token). Without
 * a token the API's port has no /metrics (404): the numbers are served on
 * METRICS_PORT only, or not at all. Registered before the application's
 * routes, so /metrics is not one of the API's routes.
 */
export function serveMetrics(fastify: FastifyInstance, metrics: ServiceMetrics, config: MetricsConfig): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.recordRequest(request, reply);
    done();
  });
  const token = config.token;
  if (token === null) return;
  fastify.get('/metrics', async (request, reply) => {
    if (!authorized(request.headers.authorization, token)) {
      const refused = ApiError.unauthorized('GET /metrics needs the METRICS_TOKEN as "Authorization: Bearer <token>"');
      return reply.code(401).header('www-authenticate', 'Bearer').send(errorEnvelope(refused, request.id));
    }
    const { contentType, body } = await metrics.scrape();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}

/**
 * METRICS_PORT: a listener of its own that serves GET /metrics and nothing
 * else (with METRICS_TOKEN, only to a scrape that sends it), for a port that
 * only the monitoring network reaches.
 */
export async function startMetricsListener(metrics: ServiceMetrics, config: MetricsConfig): Promise<Server | null> {
  if (config.port === null) return null;
  const token = config.token;
  const server = createServer((request: IncomingMessage, response) => {
    const path = (request.url ?? '').split('?')[0];
    const answer = (status: number, message: string) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
      response.end(`${message}\n`);
    };
    if (path !== '/metrics') return answer(404, 'only /metrics is served here');
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'GET /metrics');
    if (token !== null && !authorized(request.headers.authorization, token)) return answer(401, 'the METRICS_TOKEN is required as a Bearer token');
    metrics.scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => answer(500, 'the metrics could not be collected'),
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port!, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
