import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { ApiKeysService, Principal } from './api-keys.service';
import { ROUTE_ACCESS, RouteAccess, scopeAllows } from './scopes';
import { API_KEYS_ONLY, ROUTE_CREDENTIALS, RouteCredentials } from '../common/route-access';
import { WorkerCredentialRegistry, workerCredentialOf } from './worker-credentials';
import { WORKSPACE_HEADER, workspaceProblem } from './workspace';

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

const insufficient = (message: string) => new ApiError(403, 'permission_error', message, 'insufficient_scope');

/** A worker credential is bound to one environment (and a work secret to one item): the path must name them. */
function workerMismatch(principal: Principal, params: Record<string, string | undefined>): string | null {
  if (params.environment_id !== principal.environmentId) return 'This credential belongs to another environment';
  if (principal.credential === 'work_secret' && params.work_id !== principal.workId) return 'This work secret belongs to another work item';
  return null;
}

const routeOf = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url}`;

/** The presented key: `x-api-key`, or else `Authorization: Bearer <key>`. */
export function presentedKey(headers: FastifyRequest['headers']): string | null {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim()) return apiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return null;
}

/**
 * The one place where access is decided, for every route (a global guard):
 * the route's `@Access` declaration, then the key (401), the key's rate
 * limit (429), the workspace header (400) and the key's scope (403
 * `insufficient_scope`). A route without a
 * declaration is refused; the application does not even start with one
 * (RouteAccessCheck).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
    private readonly rateLimits: RateLimitGuard,
    private readonly workers: WorkerCredentialRegistry,
  ) {}

  /** What each handler declares, read from its metadata once. */
  private readonly declarations = new WeakMap<object, { access: RouteAccess | undefined; credentials: RouteCredentials }>();

  private declarationOf(handler: Function): { access: RouteAccess | undefined; credentials: RouteCredentials } {
    let declaration = this.declarations.get(handler);
    if (declaration === undefined) {
      declaration = {
        access: this.reflector.get<RouteAccess | undefined>(ROUTE_ACCESS, handler),
        credentials: this.reflector.get<RouteCredentials | undefined>(ROUTE_CREDENTIALS, handler) ?? API_KEYS_ONLY,
      };
      this.declarations.set(handler, declaration);
    }
    return declaration;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { access, credentials } = this.declarationOf(context.getHandler());
    if (access === 'public') return true;
    if (access === undefined) throw new Error(`route ${context.getClass().name}.${context.getHandler().name} declares no access`);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const secret = presentedKey(request.headers);
    if (!secret) {
      throw ApiError.unauthorized('Missing API key: send it as x-api-key or Authorization: Bearer <key>');
    }
    const worker = workerCredentialOf(secret);
    const principal = worker ? await this.workers.authenticate(worker, secret) : await this.keys.authenticate(secret);
    if (!principal) throw ApiError.unauthorized('Invalid API key: it is unknown, expired or has been revoked');
    request.principal = principal;
    // Per key, so only now; every later answer (400, 403, ...) carries the rate-limit headers.
    await this.rateLimits.canActivate(context);
    const workspace = workspaceProblem(request.headers[WORKSPACE_HEADER], principal.organizationId);
    if (workspace) throw ApiError.badRequest(workspace);
    if (principal.credential) {
      if (!credentials.worker.includes(principal.credential)) throw insufficient(`${routeOf(request)} does not take a ${principal.credential.replace('_', ' ')}`);
      const mismatch = workerMismatch(principal, request.params as Record<string, string | undefined>);
      if (mismatch) throw insufficient(mismatch);
      return true;
    }
    if (!credentials.apiKey) throw insufficient(`${routeOf(request)} takes the environment's worker credentials (${credentials.worker.join(', ')}), not an API key`);
    if (!scopeAllows(principal.scope, access)) {
      throw insufficient(`This API key has scope "${principal.scope}"; ${routeOf(request)} needs "${access}"`);
    }
    return true;
  }
}

/** The authenticated caller, set by ApiKeyGuard. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without ApiKeyGuard');
  return principal;
});
