import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyRecords } from './idempotency-records';

/** Idempotent retries of POSTs (Idempotency-Key), for every route, and the purge of expired records. */
@Module({
  providers: [IdempotencyRecords, IdempotencyPurger, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
})
export class IdempotencyModule {}
