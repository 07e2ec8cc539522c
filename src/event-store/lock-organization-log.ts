import { timestampOf } from '../common/rows';
import { Sql, sql } from '../database/database';
import { eventsTable } from './tables';

/**
 * Serializes appends within one organization (its hash chain must not fork)
 * before the transaction writes anything. Returns the time of the
 * organization's last event, so the caller can keep time monotonic within
 * the organization even across processes with skewed clocks.
 */
export async function lockOrganizationLog(tx: Sql, organizationId: string): Promise<{ lastRecordedAt: string | null }> {
  await tx.lockKey(`sandbase:log:${organizationId}`);
  const rows = await tx.query<{ recorded_at: unknown }>(
    sql`SELECT recorded_at FROM ${eventsTable.ref} WHERE organization_id = ${organizationId} ORDER BY chain_seq DESC LIMIT 1`,
  );
  return { lastRecordedAt: rows.length ? timestampOf(rows[0].recorded_at) : null };
}
