import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { verifyOrganizationChain } from '../../audit-chain';
import { compareWithLog, FoundCheckpoint, newestCheckpointFor } from '../../checkpoint-status';
import { fileNameOnly, publicKeyFrom } from '../../key-files';
import type { AppConfig } from '../../../config/config';
import { APP_CONFIG } from '../../../config/config.module';
import { Database, DATABASE } from '../../../database/database';
import { AuditChainVerification, VerifyAuditChainQuery } from './verify-audit-chain.query';

@QueryHandler(VerifyAuditChainQuery)
export class VerifyAuditChainHandler implements IQueryHandler<VerifyAuditChainQuery, AuditChainVerification> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One consistent snapshot; the cost grows with the organization's history.
   * The checkpoint directory is read first, outside the transaction.
   */
  async execute({ organizationId }: VerifyAuditChainQuery): Promise<AuditChainVerification> {
    const dir = this.config.audit.checkpointDir;
    const found: FoundCheckpoint | null =
      dir === null ? null : await newestCheckpointFor(dir, organizationId, () => publicKeyFrom(this.config, { shown: fileNameOnly }));
    const { result, checkpoint } = await this.db.session((s) =>
      s.transaction(
        async (tx) => ({
          result: await verifyOrganizationChain(tx, organizationId),
          checkpoint: found && (await compareWithLog(tx, organizationId, found)),
        }),
        'read',
      ),
    );
    return {
      type: 'audit_chain_verification',
      valid: result.valid,
      events_checked: result.events_checked,
      head: result.head,
      problem: result.problem,
      checkpoint,
    };
  }
}
