import { SetMetadata } from '@nestjs/common';
import type { Scope } from './domain/scope';

export { DEFAULT_SCOPE, isScope, SCOPES, scopeAllows } from './domain/scope';
export type { Scope } from './domain/scope';

/** What a route needs: a key of at least this scope, or nothing at all (`public`: health probes). */
export type RouteAccess = Scope | 'public';

export const ROUTE_ACCESS = 'sandbase:route_access';

/**
 * Every route declares what it needs, on the handler: `@Access('read')`,
 * `@Access('write')`, `@Access('admin')` or `@Access('public')`. The global
 * guard enforces it, and the application refuses to start while any route
 * lacks a declaration (RouteAccessCheck), so a new route cannot slip through.
 */
export const Access = (access: RouteAccess): MethodDecorator => SetMetadata(ROUTE_ACCESS, access);
