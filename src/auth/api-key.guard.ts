import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { ApiKeysService, Principal } from './api-keys.service';

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

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

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeysService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const secret = presentedKey(request.headers);
    if (!secret) {
      throw ApiError.unauthorized('Missing API key: send it as x-api-key or Authorization: Bearer <key>');
    }
    const principal = await this.keys.authenticate(secret);
    if (!principal) throw ApiError.unauthorized('Invalid API key: it is unknown or has been revoked');
    request.principal = principal;
    return true;
  }
}

/** The authenticated caller, set by ApiKeyGuard. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without ApiKeyGuard');
  return principal;
});
