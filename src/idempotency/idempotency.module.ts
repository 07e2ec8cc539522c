import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { IdempotentRoutesCheck } from './idempotent';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyRecords } from './idempotency-records';

/**
 * Idempotent retries of POSTs (Idempotency-Key: `@Idempotent()` on every POST
 * route, checked at start) and the purge of expired records. Global: each
 * feature's module builds the interceptor of its own POST routes.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [IdempotencyRecords, IdempotencyPurger, IdempotentRoutesCheck],
  exports: [IdempotencyRecords],
})
export class IdempotencyModule {}
