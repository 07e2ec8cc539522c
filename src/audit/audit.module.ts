import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '../auth/auth.module';
import { AuditChainController } from './http/audit-chain.controller';
import { VerifyAuditChainHandler } from './queries/verify-audit-chain/verify-audit-chain.handler';

/** Verification of the audit hash chain over HTTP (the CLI has the rest: checkpoints, export). */
@Module({
  imports: [CqrsModule, AuthModule],
  controllers: [AuditChainController],
  providers: [VerifyAuditChainHandler],
})
export class AuditModule {}
