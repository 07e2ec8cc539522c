import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { IdempotentRoutesCheck } from './idempotent';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyRunner } from './idempotency-runner';
import { IdempotencyRecords } from './idempotency-records';

/** The stored answers of Idempotency-Key requests. */
@Module({ providers: [IdempotencyRecords], exports: [IdempotencyRecords] })
export class IdempotencyRecordsModule {}

/** Idempotent retries of POSTs (Idempotency-Key, `@Idempotent()` on every POST route, checked at start) and the purge of expired records. */
@Module({
  imports: [DiscoveryModule, IdempotencyRecordsModule],
  providers: [IdempotencyPurger, IdempotencyRunner, IdempotentRoutesCheck],
})
export class IdempotencyModule {}
