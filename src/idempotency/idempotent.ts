import { Injectable, OnApplicationBootstrap, RequestMethod, UseInterceptors } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * Idempotency-Key for a POST route. On the POST routes only, not global: a
 * route with any Nest interceptor runs each request through rxjs observables
 * and async-resource bindings, which reads (most requests) do not need.
 */
export const Idempotent = (): MethodDecorator => UseInterceptors(IdempotencyInterceptor);

/** Refuses to start an application with a POST route that does not take an Idempotency-Key. */
@Injectable()
export class IdempotentRoutesCheck implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.POST) continue;
        const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? [];
        if (!interceptors.includes(IdempotencyInterceptor)) missing.push(`${controller.name}.${name}`);
      }
    }
    if (missing.length) throw new Error(`POST routes without @Idempotent(): ${missing.join(', ')}`);
  }
}
