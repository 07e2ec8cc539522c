import { Logger, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { BucketState, describeBucket, takeToken, TakeResult } from './domain/token-bucket';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage contract, answered with token buckets: `limit`
 * is the bucket's capacity and it refills `limit` tokens per `ttl`
 * milliseconds. `totalHits` is the capacity minus the whole tokens left, the
 * times are in seconds (fractional): `timeToExpire` until the bucket is full,
 * `timeToBlockExpire` until the next token.
 */
export function toStorageRecord(result: Omit<TakeResult, 'state'>, limit: number): ThrottlerStorageRecord {
  return {
    totalHits: limit - result.remaining,
    timeToExpire: result.resetMs / 1000,
    isBlocked: !result.allowed,
    timeToBlockExpire: result.retryAfterMs / 1000,
  };
}

/** Buckets in this process's memory: each instance limits on its own. */
export class MemoryTokenBuckets implements ThrottlerStorage, OnModuleDestroy {
  private readonly buckets = new Map<string, BucketState & { periodMs: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // A bucket left alone for a whole period is full again: forgetting it changes nothing.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    const result = takeToken(this.buckets.get(key), now, limit, ttl);
    this.buckets.set(key, { ...result.state, periodMs: ttl });
    return toStorageRecord(result, limit);
  }

  sweep(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= bucket.periodMs) this.buckets.delete(key);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}

/**
 * The token bucket of domain/token-bucket.ts, run atomically inside Redis on
 * Redis's own clock (so instances with skewed clocks agree). A bucket that
 * is not touched for a whole period is full again, so its key expires then.
 */
const TAKE_TOKEN_LUA = `
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
if state[1] and state[2] then
  local elapsed = math.max(0, now - tonumber(state[2]))
  tokens = math.min(capacity, tonumber(state[1]) + elapsed * capacity / period)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
local text = string.format('%.6f', tokens)
redis.call('HSET', KEYS[1], 'tokens', text, 'at', now)
redis.call('PEXPIRE', KEYS[1], period)
return {allowed, text}
`;

type TakeTokenCommand = (key: string, capacity: number, periodMs: number) => Promise<[number, string]>;

/**
 * Buckets in Redis (REDIS_URL), shared by every instance using the same Redis
 * and key prefix. If Redis cannot be reached the request is let through and a
 * warning is logged (at most every 10 seconds): rate limiting protects the
 * service, it must not take it down.
 */
export class RedisTokenBuckets implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(
    url: string,
    private readonly keyPrefix: string,
  ) {
    // Loaded only when REDIS_URL is set: a service without Redis does not pay for it at start-up.
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(url, {
      lazyConnect: true,
      connectTimeout: 2000,
      commandTimeout: 1000,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.redis.on('error', (error: Error) => this.warn(error));
    this.redis.defineCommand('sandbaseTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN_LUA });
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const unlimited = toStorageRecord(describeBucket(true, limit, limit, ttl), limit);
    // Once the connection is lost, requests do not wait for Redis to come back.
    if (['reconnecting', 'close', 'end'].includes(this.redis.status)) return unlimited;
    try {
      const take = (this.redis as unknown as { sandbaseTakeToken: TakeTokenCommand }).sandbaseTakeToken;
      const [allowed, tokens] = await take.call(this.redis, this.keyPrefix + key, limit, ttl);
      return toStorageRecord(describeBucket(allowed === 1, Number(tokens), limit, ttl), limit);
    } catch (error) {
      this.warn(error as Error);
      return unlimited;
    }
  }

  private warn(error: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.logger.warn(`Redis for rate limits is unavailable, requests are not limited meanwhile: ${error.message}`);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
