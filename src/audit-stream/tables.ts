import { defineTable } from '../database/table';

/**
 * The organizations' audit sinks: where each one delivers (`target`: a URL,
 * a NATS subject, a file name), how far it got (`position`, the chain_seq of
 * the last record the sink acknowledged), its failures and its delivery
 * lease. Operational rows outside the log: the records they deliver are the
 * log itself. `generation` changes on replay and resume, so a delivery that
 * was under way meanwhile cannot move the position afterwards.
 */
export const auditSinksTable = defineTable({
  name: 'audit_sinks',
  columns: {
    id: 'id',
    organization_id: 'id',
    type: 'text',
    target: 'text',
    secret: 'text?',
    batch_size: 'integer',
    max_failures: 'integer',
    created_at: 'timestamp',
    created_by: 'text',
    position: 'integer',
    generation: 'integer',
    state: 'text',
    failures: 'integer',
    last_error: 'text?',
    last_delivered_at: 'timestamp?',
    next_attempt_at: 'timestamp?',
    lease_owner: 'text?',
    lease_expires_at: 'timestamp?',
  },
  primaryKey: 'id',
});
