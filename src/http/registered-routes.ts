import type { FastifyInstance } from 'fastify';

/** A route as the HTTP router has it. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

const routesOf = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * Records every route the router receives (Nest registers its controllers'
 * routes with Fastify at start-up), so the access tests and the permission
 * table enumerate what is really served rather than what is declared.
 */
export function recordRoutes(fastify: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  routesOf.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routes.push({ method, path: route.url });
    }
  });
}

export function registeredRoutes(fastify: FastifyInstance): readonly RegisteredRoute[] {
  return routesOf.get(fastify) ?? [];
}
