import { Database } from '../../database/database';
import { printAuditReport, verifyAuditWithProgress } from '../audit/verify-audit.command';
import { printProjectionsReport } from '../projections/verify-projections.command';
import { verifyWithProgress } from '../projections/projection-progress';
import { print } from '../output';
import { progress } from '../progress';

/**
 * Opens the SQLite copy at `path` (without migrating it) and runs on it what
 * `audit verify` and `projections verify` run on the live database,
 * printing both reports. True when both pass.
 */
export async function checkCopy(path: string, quiet: boolean): Promise<boolean> {
  const db = await Database.open({ type: 'sqlite', path }, { migrate: false });
  try {
    const audit = await verifyAuditWithProgress(db, {}, progress('audit verify', 'events', { quiet }));
    printAuditReport(audit);
    let projectionsMatch = false;
    try {
      const projections = await verifyWithProgress(db, progress('projections verify', 'events', { quiet }));
      printProjectionsReport(projections);
      projectionsMatch = projections.differences.length === 0;
    } catch (error) {
      // A log that cannot be replayed (altered events) is a failed check, reported with the audit's.
      print(`projections verify FAILED: ${(error as Error).message}`);
    }
    return audit.valid && projectionsMatch;
  } finally {
    await db.close();
  }
}

/** What the commands say on PostgreSQL, where the database's own tools make and restore backups. */
export const POSTGRES_RECIPE =
  'on PostgreSQL, back up and restore with pg_dump and pg_restore (see "Backup and restore" in docs/self-hosting.md), then check the restored database with `sandbase audit verify` and `sandbase projections verify`';
