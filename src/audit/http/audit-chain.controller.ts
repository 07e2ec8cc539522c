import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal } from '../../auth/api-key.guard';
import { Access } from '../../auth/scopes';
import type { Principal } from '../../auth/api-keys.service';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { auditChainVerificationSchema } from '../resources/audit-chain.schema';
import { jsonSchema } from '../../openapi/params';
import { AuditChainVerification, VerifyAuditChainQuery } from '../queries/verify-audit-chain/verify-audit-chain.query';

/** The proof side of the audit history. */
@ApiTags('audit history')
@Controller()
export class AuditChainController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Recomputes the caller's organization's hash chain: meant for audits, not for every request. */
  @Get('v1/environment_versions/verify')
  @Access('read')
  @ApiOperation({ operationId: 'verifyAuditChain', summary: "Recompute the organization's audit hash chain" })
  @ApiOkResponse({ description: 'Whether the chain verifies, and where it breaks.', schema: jsonSchema(auditChainVerificationSchema) })
  async verify(@CurrentPrincipal() principal: Principal): Promise<AuditChainVerification> {
    return this.queryBus.execute(new VerifyAuditChainQuery(principal.organizationId));
  }
}
