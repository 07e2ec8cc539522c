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

/** Credentials of self-hosted workers, issued per environment (environment keys) and per work item (work secrets). */
export type WorkerCredential = 'environment_key' | 'work_secret';

export const ROUTE_CREDENTIALS = 'sandbase:route_credentials';

/** Which credentials a route takes: API keys (of the `@Access` scope) and/or worker credentials. */
export interface RouteCredentials {
  apiKey: boolean;
  worker: readonly WorkerCredential[];
}

/** What a route without `@Credentials` takes: API keys only. */
export const API_KEYS_ONLY: RouteCredentials = { apiKey: true, worker: [] };

/**
 * The routes of the work queue name the credentials they take, beside
 * `@Access` (which still sets the API-key scope and the rate-limit bucket):
 * `@Credentials({ apiKey: false, worker: ['environment_key'] })`. A valid
 * credential of another kind is a 403 `insufficient_scope`.
 */
export const Credentials = (credentials: RouteCredentials): MethodDecorator => SetMetadata(ROUTE_CREDENTIALS, credentials);
