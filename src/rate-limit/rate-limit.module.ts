import { ExecutionContext, Module } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { getOptionsToken, getStorageToken, ThrottlerModuleOptions, ThrottlerOptions } from '@nestjs/throttler';
import { ROUTE_ACCESS, RouteAccess } from '../common/route-access';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { RateLimitGuard } from './rate-limit.guard';
import { MemoryTokenBuckets, RedisTokenBuckets } from './token-bucket.store';

const MINUTE_MS = 60_000;
const reflector = new Reflector();

function accessOf(context: ExecutionContext): RouteAccess | undefined {
  return reflector.get<RouteAccess | undefined>(ROUTE_ACCESS, context.getHandler());
}

/**
 * Two buckets per API key: `reads` for `@Access('read')` routes, `writes`
 * for write and admin routes (public routes, the health probes, are never
 * limited). A limit of 0 leaves its throttler out.
 */
export function rateLimitOptions(config: AppConfig['rateLimit']): ThrottlerModuleOptions {
  const throttlers: ThrottlerOptions[] = [];
  if (config.readsPerMinute > 0) {
    throttlers.push({ name: 'reads', limit: config.readsPerMinute, ttl: MINUTE_MS, skipIf: (context) => accessOf(context) !== 'read' });
  }
  if (config.writesPerMinute > 0) {
    const writes = (context: ExecutionContext) => ['write', 'admin'].includes(accessOf(context) ?? '');
    throttlers.push({ name: 'writes', limit: config.writesPerMinute, ttl: MINUTE_MS, skipIf: (context) => !writes(context) });
  }
  return {
    throttlers,
    getTracker: (request) => (request as { principal: { apiKeyId: string } }).principal.apiKeyId,
    generateKey: (_context, apiKeyId, name) => `${name}:${apiKeyId}`,
  };
}

/** The rate limiter ApiKeyGuard consults; buckets in Redis when REDIS_URL is set, else in memory. */
@Module({
  providers: [
    { provide: getOptionsToken(), inject: [APP_CONFIG], useFactory: (config: AppConfig) => rateLimitOptions(config.rateLimit) },
    {
      provide: getStorageToken(),
      inject: [APP_CONFIG],
      useFactory: ({ rateLimit }: AppConfig) =>
        rateLimit.redisUrl ? new RedisTokenBuckets(rateLimit.redisUrl, rateLimit.redisKeyPrefix) : new MemoryTokenBuckets(),
    },
    RateLimitGuard,
  ],
  exports: [RateLimitGuard],
})
export class RateLimitModule {}
