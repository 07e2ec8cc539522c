import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { verifyOrganizationChain } from '../../audit-chain';
import { Database, DATABASE } from '../../../database/database';
import { AuditChainVerification, VerifyAuditChainQuery } from './verify-audit-chain.query';

@QueryHandler(VerifyAuditChainQuery)
export class VerifyAuditChainHandler implements IQueryHandler<VerifyAuditChainQuery, AuditChainVerification> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** One consistent snapshot; the cost grows with the organization's history. */
  async execute({ organizationId }: VerifyAuditChainQuery): Promise<AuditChainVerification> {
    const result = await this.db.session((s) => s.transaction((tx) => verifyOrganizationChain(tx, organizationId), 'read'));
    return {
      type: 'audit_chain_verification',
      valid: result.valid,
      events_checked: result.events_checked,
      head: result.head,
      problem: result.problem,
    };
  }
}
