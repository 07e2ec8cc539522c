import { Injectable, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { ROUTE_ACCESS, RouteAccess } from './scopes';
import { API_KEYS_ONLY, ROUTE_CREDENTIALS, RouteCredentials } from '../common/route-access';

/** One route of the application and what it requires. */
export interface RouteDeclaration {
  method: string;
  path: string;
  access: RouteAccess | undefined;
  /** Which credentials it takes: API keys (of `access` scope) and/or self-hosted workers' (see `@Credentials`). */
  credentials: RouteCredentials;
  handler: string;
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '')
    .join('/');
  return `/${joined}`;
}

/** Every controller route with its declared access, read from the same metadata Nest routes by. */
@Injectable()
export class RouteAccessRegistry {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  routes(): RouteDeclaration[] {
    const routes: RouteDeclaration[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        routes.push({
          method: RequestMethod[method],
          path: joinPath(base, path),
          access: this.reflector.get<RouteAccess | undefined>(ROUTE_ACCESS, handler as () => unknown),
          credentials: this.reflector.get<RouteCredentials | undefined>(ROUTE_CREDENTIALS, handler as () => unknown) ?? API_KEYS_ONLY,
          handler: `${controller.name}.${name}`,
        });
      }
    }
    return routes.sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
  }
}

/** Refuses to start an application with a route that declares no access: fail closed, not open. */
@Injectable()
export class RouteAccessCheck implements OnApplicationBootstrap {
  constructor(private readonly registry: RouteAccessRegistry) {}

  onApplicationBootstrap(): void {
    const undeclared = this.registry.routes().filter((route) => route.access === undefined);
    if (undeclared.length) {
      const list = undeclared.map((r) => `${r.method} ${r.path} (${r.handler})`).join(', ');
      throw new Error(`routes without an @Access declaration: ${list}`);
    }
  }
}
