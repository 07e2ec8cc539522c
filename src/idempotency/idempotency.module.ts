import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { IdempotentRoutesCheck } from './idempotent';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyRecords } from './idempotency-records';

/**
 * The records behind `@Idempotent()`: global, since each feature's module
 * builds the interceptor of its own POST routes (also where the CLI loads
 * those modules without serving them).
 */
@Global()
@Module({ providers: [IdempotencyRecords], exports: [IdempotencyRecords] })
export class IdempotencyRecordsModule {}

/** Idempotent retries of POSTs (Idempotency-Key, `@Idempotent()` on every POST route, checked at start) and the purge of expired records. */
@Module({
  imports: [DiscoveryModule, IdempotencyRecordsModule],
  providers: [IdempotencyPurger, IdempotentRoutesCheck],
})
export class IdempotencyModule {}
