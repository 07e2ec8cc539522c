import { ApiKeyCache, Principal } from '../../../src/auth/api-key-cache';

const principal = (id: string): Principal => ({ apiKeyId: id, organizationId: 'org_1', scope: 'read' });
const cacheOf = (ttlMs: number, maxEntries: number) => new ApiKeyCache({ keyCache: { ttlMs, maxEntries } });
const NOW = Date.parse('2026-05-29T10:00:00.000Z');

describe('ApiKeyCache', () => {
  it('holds at most maxEntries, the least recently used going first', () => {
    const cache = cacheOf(1000, 3);
    for (const id of ['a', 'b', 'c']) cache.set(id, principal(id), Infinity, cache.ticket());
    expect(cache.get('a', NOW)?.apiKeyId).toBe('a');
    cache.set('d', principal('d'), Infinity, cache.ticket());
    expect(cache.size).toBe(3);
    expect(cache.get('b', NOW)).toBeUndefined();
    expect(['a', 'c', 'd'].map((id) => cache.get(id, NOW)?.apiKeyId)).toEqual(['a', 'c', 'd']);
  });

  it('never answers at or after the key stops working', () => {
    const cache = cacheOf(1000, 10);
    cache.set('h', principal('k'), NOW + 5, cache.ticket());
    expect(cache.get('h', NOW + 4)?.apiKeyId).toBe('k');
    expect(cache.get('h', NOW + 5)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store the answer of a lookup that was in flight when a key changed', () => {
    const cache = cacheOf(1000, 10);
    const ticket = cache.ticket();
    cache.invalidate();
    cache.set('h', principal('k'), Infinity, ticket);
    expect(cache.get('h', NOW)).toBeUndefined();
    cache.set('h', principal('k'), Infinity, cache.ticket());
    expect(cache.get('h', NOW)?.apiKeyId).toBe('k');
    cache.invalidate();
    expect(cache.get('h', NOW)).toBeUndefined();
  });

  it('an entry lives at most the TTL after its lookup started; TTL 0 caches nothing', () => {
    const cache = cacheOf(1000, 10);
    cache.set('h', principal('k'), Infinity, { generation: 0, startedAt: performance.now() - 1000 });
    expect(cache.get('h', NOW)).toBeUndefined();
    const off = cacheOf(0, 10);
    off.set('h', principal('k'), Infinity, off.ticket());
    expect(off.size).toBe(0);
  });
});
