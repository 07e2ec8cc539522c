import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { IdempotentRoutesCheck } from './idempotent';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyRecords } from './idempotency-records';

/**
 * The records behind `@Idempotent()`: each feature module with POST routes
 * imports this, since Nest builds a route's interceptor in its controller's
 * module (also where the CLI or a test loads those modules without serving
 * them).
 */
@Module({ providers: [IdempotencyRecords], exports: [IdempotencyRecords] })
export class IdempotencyRecordsModule {}

/** Idempotent retries of POSTs (Idempotency-Key, `@Idempotent()` on every POST route, checked at start) and the purge of expired records. */
@Module({
  imports: [DiscoveryModule, IdempotencyRecordsModule],
  providers: [IdempotencyPurger, IdempotentRoutesCheck],
})
export class IdempotencyModule {}
