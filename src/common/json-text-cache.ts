/**
 * Values derived from JSON text, remembered by the text itself: the same
 * text always gives the same value, so nothing can go stale. For read paths
 * that render the same stored JSON over and over (a list's first page, the
 * few package configurations most environments share), where parsing and
 * re-rendering it was a large part of each request. Values are frozen (they
 * are shared between requests) and at most `limit` are kept, the oldest
 * dropped first. A value that is not text (PostgreSQL's jsonb arrives
 * parsed) is derived each time.
 */
export class JsonTextCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly limit: number,
    private readonly derive: (parsed: unknown) => T,
  ) {}

  of(value: unknown): T {
    if (typeof value !== 'string') return this.derive(value);
    let derived = this.entries.get(value);
    if (derived === undefined) {
      derived = deepFreeze(this.derive(JSON.parse(value)));
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(value, derived);
    }
    return derived;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
