import { ConfigError, loadConfig, parseCorsOrigins } from '../../../src/config/config';

describe('robustness settings', () => {
  it('has defaults: 6000 reads and 600 writes a minute, no Redis, CORS off, bounded timeouts', () => {
    const config = loadConfig({});
    expect(config.rateLimit).toEqual({ readsPerMinute: 6000, writesPerMinute: 600, redisUrl: null, redisKeyPrefix: 'sandbase:ratelimit:' });
    expect(config.corsOrigins).toEqual([]);
    expect(config.timeouts).toEqual({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5000, idleSocketMs: 60_000 });
  });

  it('reads the rate limits (0 = off), Redis and its prefix', () => {
    const config = loadConfig({
      SANDBASE_RATE_LIMIT_READS_PER_MINUTE: '0',
      SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '5',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SANDBASE_RATE_LIMIT_REDIS_PREFIX: 'x:',
    });
    expect(config.rateLimit).toEqual({ readsPerMinute: 0, writesPerMinute: 5, redisUrl: 'redis://127.0.0.1:6379', redisKeyPrefix: 'x:' });
    expect(() => loadConfig({ SANDBASE_RATE_LIMIT_WRITES_PER_MINUTE: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'http://localhost' })).toThrow(/REDIS_URL must start with redis:\/\//);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(loadConfig({ SANDBASE_REQUEST_TIMEOUT_MS: '5000' }).timeouts.headersMs).toBe(5000);
    expect(() => loadConfig({ SANDBASE_REQUEST_TIMEOUT_MS: '5000', SANDBASE_HEADERS_TIMEOUT_MS: '6000' })).toThrow(/must not exceed/);
  });

  it('accepts bare origins in CORS_ORIGINS and refuses anything else', () => {
    expect(parseCorsOrigins(' https://app.example.com, http://localhost:3000/ ')).toEqual(['https://app.example.com', 'http://localhost:3000']);
    for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://x.example', '*', 'https://a.example?x=1']) {
      expect(() => parseCorsOrigins(bad)).toThrow(ConfigError);
    }
  });
});
