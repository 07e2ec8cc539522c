import { newApiKeySecret, newEnvironmentId, randomBase62 } from '../../../src/common/ids';

describe('random ids', () => {
  it('are base62 of the asked length, with their prefix', () => {
    expect(randomBase62()).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(randomBase62(40)).toMatch(/^[0-9A-Za-z]{40}$/);
    expect(newEnvironmentId()).toMatch(/^env_[0-9A-Za-z]{24}$/);
    expect(newApiKeySecret()).toMatch(/^sk-sb-[0-9A-Za-z]{40}$/);
  });

  it('never repeat, across many refills of the random pool', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => randomBase62()));
    expect(ids.size).toBe(20_000);
  });

  it('use every character about equally often', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) for (const c of randomBase62()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (10_000 * 24) / 62;
    for (const count of counts.values()) expect(Math.abs(count - expected)).toBeLessThan(expected * 0.15);
  });
});
