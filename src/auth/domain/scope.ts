/** What a key may do: read everything, also change environments, also manage the organization's keys. */
export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
export const DEFAULT_SCOPE: Scope = 'write';

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

/** Scopes are ordered: admin includes write, write includes read. */
export function scopeAllows(held: Scope, required: Scope): boolean {
  return RANK[held] >= RANK[required];
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}
