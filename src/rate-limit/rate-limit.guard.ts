import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';

type Caller = FastifyRequest & { principal?: { apiKeyId: string } };

export const RATE_LIMIT_HEADERS = {
  limit: 'anthropic-ratelimit-requests-limit',
  remaining: 'anthropic-ratelimit-requests-remaining',
  reset: 'anthropic-ratelimit-requests-reset',
} as const;

/**
 * Rate limits per API key with @nestjs/throttler: one named throttler per
 * bucket (`reads`, `writes`; see rate-limit.module.ts), token-bucket
 * storage, and the API's own headers and 429 envelope. Not a global guard of
 * its own: ApiKeyGuard calls it right after authenticating, so the caller's
 * key is known and unauthenticated requests never count against a key.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** Both limits at 0 is a supported setting, not the misconfiguration the library warns about. */
  override async onModuleInit(): Promise<void> {
    const { throttlers } = this.options as { throttlers: unknown[] };
    if (throttlers.length) return super.onModuleInit();
    this.throttlers = [];
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !context.switchToHttp().getRequest<Caller>().principal;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = request;
    const { req, res } = this.getRequestResponse(context) as { req: Caller; res: FastifyReply };
    const name = throttler.name ?? 'default';
    const key = generateKey(context, await getTracker(req, context), name);
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    void res.header(RATE_LIMIT_HEADERS.limit, String(limit));
    void res.header(RATE_LIMIT_HEADERS.remaining, String(Math.max(0, limit - record.totalHits)));
    void res.header(RATE_LIMIT_HEADERS.reset, new Date(Date.now() + record.timeToExpire * 1000).toISOString());
    if (record.isBlocked) {
      const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire));
      throw new ApiError(
        429,
        'rate_limit_error',
        `Rate limit exceeded: this API key may make ${limit} ${name === 'reads' ? 'read' : 'write'} requests per minute; retry after ${retryAfter} second${retryAfter === 1 ? '' : 's'}`,
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
    return true;
  }
}
