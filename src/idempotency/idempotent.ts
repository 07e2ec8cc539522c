import { createParamDecorator, ExecutionContext, HttpStatus, Injectable, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { DiscoveryService } from '@nestjs/core';
import { IdempotencyRunner, IdempotentRequest } from './idempotency-runner';

/** Marks a handler wrapped by `@Idempotent()`. */
const IDEMPOTENT_ROUTE = 'sandbase:idempotent-route';
/** Where a controller instance holds its application's runner (set at start by IdempotentRoutesCheck). */
const RUNNER = Symbol('idempotencyRunner');

type Handler = (...args: unknown[]) => Promise<unknown>;
type WithRunner = { [RUNNER]?: IdempotencyRunner };

/** The request, as one more argument of the wrapped handler. */
const IdempotencyRequest = createParamDecorator((_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<IdempotentRequest>());

/**
 * Idempotency-Key for a POST route: wraps the handler itself, which receives
 * the request as one more argument, and runs it through the application's
 * IdempotencyRunner. Not a Nest interceptor: a route with one runs every
 * request through rxjs observables and async-resource bindings (about 5% of
 * a create's CPU in a profile), which the request without the header, the
 * usual case, does not need. Must sit above the decorators that describe
 * the route (their metadata is copied onto the wrapper); `@Post()` may be
 * above or below.
 */
export const Idempotent = (): MethodDecorator => (target, key, descriptor: PropertyDescriptor) => {
  const handler = descriptor.value as Handler;
  const params = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key) ?? {}) as Record<string, { index: number }>;
  const index = Math.max(handler.length, ...Object.values(params).map((param) => param.index + 1));
  IdempotencyRequest()(target, key, index);
  let status: number | undefined;
  const wrapped = function (this: WithRunner, ...args: unknown[]): Promise<unknown> {
    const runner = this[RUNNER];
    if (!runner) throw new Error(`@Idempotent() route ${String(key)} without a runner: IdempotencyModule is not loaded`);
    status ??= (Reflect.getMetadata(HTTP_CODE_METADATA, wrapped) as number | undefined) ?? HttpStatus.CREATED;
    return runner.run(args[index] as IdempotentRequest, status, () => handler.apply(this, args.slice(0, index)));
  };
  Object.defineProperty(wrapped, 'name', { value: handler.name });
  for (const metadataKey of Reflect.getMetadataKeys(handler)) Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, handler), wrapped);
  Reflect.defineMetadata(IDEMPOTENT_ROUTE, true, wrapped);
  descriptor.value = wrapped;
  return descriptor;
};

/**
 * Hands each controller with `@Idempotent()` routes this application's
 * runner, and refuses to start an application with a POST route that does
 * not take an Idempotency-Key.
 */
@Injectable()
export class IdempotentRoutesCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly runner: IdempotencyRunner,
  ) {}

  onApplicationBootstrap(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const idempotent = Reflect.getMetadata(IDEMPOTENT_ROUTE, handler) === true;
        if (idempotent && wrapper.instance) (wrapper.instance as WithRunner)[RUNNER] = this.runner;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST && !idempotent) missing.push(`${controller.name}.${name}`);
      }
    }
    if (missing.length) throw new Error(`POST routes without @Idempotent(): ${missing.join(', ')}`);
  }
}
