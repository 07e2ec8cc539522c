import { Query } from '@nestjs/cqrs';
import type { ChainHeadInfo, ChainProblem } from '../../audit-chain';

export interface AuditChainVerification {
  type: 'audit_chain_verification';
  valid: boolean;
  events_checked: number;
  head: ChainHeadInfo | null;
  problem: ChainProblem | null;
}

/** Recompute one organization's audit hash chain. */
export class VerifyAuditChainQuery extends Query<AuditChainVerification> {
  constructor(readonly organizationId: string) {
    super();
  }
}
