import type { Clock } from '../common/clock';
import type { Database, Sql } from '../database/database';
import { lockOrganizationLog } from './lock-organization-log';

/** The later of two RFC 3339 timestamps of the same fixed format. */
export function latest(a: string, b: string | null): string {
  return b !== null && b > a ? b : a;
}

/**
 * One write transaction in an organization's log: its lock taken before
 * anything is read, and the command's time read after it, never earlier than
 * the organization's last event (clocks of several instances may differ), so
 * the log's times never go backwards.
 */
export function inOrganizationLog<T>(db: Database, clock: Clock, organizationId: string, work: (tx: Sql, now: string) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const { lastRecordedAt } = await lockOrganizationLog(tx, organizationId);
    return work(tx, latest(clock.now(), lastRecordedAt));
  });
}
