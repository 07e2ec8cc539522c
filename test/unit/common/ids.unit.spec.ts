import { newApiKeySecret, newEnvironmentId, newEventId, randomBase62, timeOrderedId } from '../../../src/common/ids';

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

describe('time-ordered ids', () => {
  it('have the length and alphabet of a random id', () => {
    expect(timeOrderedId()).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(newEventId()).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(newEnvironmentId()).toMatch(/^env_[0-9a-z]{9}[0-9A-Za-z]{15}$/);
  });

  it('sort by the millisecond they were made in, byte order and case-insensitively alike', () => {
    const times = [0, 1, 35, 36, 1_000, Date.UTC(2026, 11, 2), Date.UTC(2026, 11, 2) + 1, Date.UTC(2100, 0, 1), Date.UTC(5000, 0, 1)];
    const ids = times.map((t) => timeOrderedId(t));
    const byBytes = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const ignoringCase = [...ids].sort((a, b) => a.slice(0, 9).localeCompare(b.slice(0, 9), 'en', { sensitivity: 'base' }));
    expect(byBytes).toEqual(ids);
    expect(ignoringCase).toEqual(ids);
    expect(timeOrderedId(Date.UTC(2026, 11, 2)).slice(0, 9)).toBe(Date.UTC(2026, 11, 2).toString(36).padStart(9, '0'));
  });

  it('made in the same millisecond, still never repeat', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 20_000 }, () => timeOrderedId(now)));
    expect(ids.size).toBe(20_000);
  });
});
