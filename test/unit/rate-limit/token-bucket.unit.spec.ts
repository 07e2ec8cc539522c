import { takeToken } from '../../../src/rate-limit/domain/token-bucket';
import { MemoryTokenBuckets } from '../../../src/rate-limit/token-bucket.store';

describe('token bucket', () => {
  it('allows a burst of the capacity, then one request per refill interval', () => {
    let state;
    for (let i = 0; i < 60; i++) {
      const result = takeToken(state, 0, 60, 60_000);
      expect(result.allowed).toBe(true);
      expect(result.remaining).toBe(59 - i);
      state = result.state;
    }
    const refused = takeToken(state, 0, 60, 60_000);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000, resetMs: 60_000 });
    expect(takeToken(refused.state, 999, 60, 60_000).allowed).toBe(false);
    const later = takeToken(refused.state, 1000, 60, 60_000);
    expect(later).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refills continuously up to the capacity, never beyond', () => {
    const empty = { tokens: 0, at: 0 };
    expect(takeToken(empty, 30_000, 60, 60_000).remaining).toBe(29);
    expect(takeToken(empty, 10 * 60_000, 60, 60_000)).toMatchObject({ allowed: true, remaining: 59, resetMs: 1000 });
  });

  it('ignores a clock that goes backwards', () => {
    const result = takeToken({ tokens: 0.5, at: 10_000 }, 5_000, 60, 60_000);
    expect(result.allowed).toBe(false);
    expect(result.retryAfterMs).toBe(500);
  });

  it('keeps one bucket per key in memory and forgets full ones', async () => {
    let now = 0;
    const store = new MemoryTokenBuckets(() => now);
    try {
      expect(await store.increment('a', 60_000, 2)).toEqual({ totalHits: 1, timeToExpire: 30, isBlocked: false, timeToBlockExpire: 0 });
      await store.increment('a', 60_000, 2);
      expect(await store.increment('a', 60_000, 2)).toMatchObject({ isBlocked: true, totalHits: 2, timeToBlockExpire: 30 });
      expect((await store.increment('b', 60_000, 2)).isBlocked).toBe(false);
      now = 60_000;
      store.sweep();
      expect(await store.increment('a', 60_000, 2)).toMatchObject({ isBlocked: false, totalHits: 1 });
    } finally {
      store.onModuleDestroy();
    }
  });
});
