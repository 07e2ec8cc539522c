import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal } from '../../auth/api-key.guard';
import { Access } from '../../auth/scopes';
import type { Principal } from '../../auth/api-keys.service';
import { AuditChainVerification, VerifyAuditChainQuery } from '../queries/verify-audit-chain/verify-audit-chain.query';

/** The proof side of the audit history. */
@Controller()
export class AuditChainController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Recomputes the caller's organization's hash chain: meant for audits, not for every request. */
  @Get('v1/environment_versions/verify')
  @Access('read')
  async verify(@CurrentPrincipal() principal: Principal): Promise<AuditChainVerification> {
    return this.queryBus.execute(new VerifyAuditChainQuery(principal.organizationId));
  }
}
