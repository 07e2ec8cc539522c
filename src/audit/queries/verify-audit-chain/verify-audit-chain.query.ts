import { Query } from '@nestjs/cqrs';
import type { ChainHeadInfo, ChainProblem } from '../../audit-chain';
import type { CheckpointStatus } from '../../checkpoint-status';

export interface AuditChainVerification {
  type: 'audit_chain_verification';
  valid: boolean;
  events_checked: number;
  head: ChainHeadInfo | null;
  problem: ChainProblem | null;
  /** The newest signed checkpoint covering the organization; null when the service has no checkpoint directory. */
  checkpoint: CheckpointStatus | null;
}

/** Recompute one organization's audit hash chain. */
export class VerifyAuditChainQuery extends Query<AuditChainVerification> {
  constructor(readonly organizationId: string) {
    super();
  }
}
