import { SetMetadata } from '@nestjs/common';

/** What a route needs: a key of at least this scope, or nothing at all (`public`: health probes). */
export type RouteAccess = 'public' | 'read' | 'write' | 'admin';

export const ROUTE_ACCESS = 'sandbase:route_access';

/**
 * Every route declares what it needs, on the handler: `@Access('read')`,
 * `@Access('write')`, `@Access('admin')` or `@Access('public')`. The global
 * guard (src/auth/api-key.guard.ts) enforces it and the rate limiter picks
 * the bucket by it; the application refuses to start while any route lacks
 * a declaration (RouteAccessCheck), so a new route cannot slip through.
 */
export const Access = (access: RouteAccess): MethodDecorator => SetMetadata(ROUTE_ACCESS, access);
