import { SetMetadata } from '@nestjs/common';

/** What a key may do: read everything, also change environments, also manage the organization's keys. */
export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
export const DEFAULT_SCOPE: Scope = 'write';

/** What a route needs: a key of at least this scope, or nothing at all (`public`: health probes). */
export type RouteAccess = Scope | 'public';

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

/** Scopes are ordered: admin includes write, write includes read. */
export function scopeAllows(held: Scope, required: Scope): boolean {
  return RANK[held] >= RANK[required];
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

export const ROUTE_ACCESS = 'sandbase:route_access';

/**
 * Every route declares what it needs, on the handler: `@Access('read')`,
 * `@Access('write')`, `@Access('admin')` or `@Access('public')`. The global
 * guard enforces it, and the application refuses to start while any route
 * lacks a declaration (RouteAccessCheck), so a new route cannot slip through.
 */
export const Access = (access: RouteAccess): MethodDecorator => SetMetadata(ROUTE_ACCESS, access);
