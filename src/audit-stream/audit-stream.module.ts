import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuditSinksService } from './audit-sinks.service';
import { AuditSinksController } from './http/audit-sinks.controller';

/**
 * The audit stream's sinks (admin API). The deliverer is in
 * AuditStreamDeliveryModule (deliverer.ts), which only the service imports.
 */
@Module({
  imports: [AuthModule],
  controllers: [AuditSinksController],
  providers: [AuditSinksService],
  exports: [AuditSinksService],
})
export class AuditStreamModule {}
