import type { Database } from '../../database/database';
import { rebuildProjections, verifyProjections } from '../../projections';
import type { RebuildReport, VerifyReport } from '../../projections';
import type { Progress } from '../progress';

/** Rebuild with a progress line: events replayed, of how many, per batch. */
export async function rebuildWithProgress(db: Database, progress: Progress): Promise<RebuildReport> {
  const report = await rebuildProjections(db, { onProgress: progress.onProgress });
  progress.finish(report.events);
  return report;
}

/** Verify with a progress line: events replayed, of how many, per batch. */
export async function verifyWithProgress(db: Database, progress: Progress): Promise<VerifyReport> {
  const report = await verifyProjections(db, undefined, { onProgress: progress.onProgress });
  progress.finish(report.events);
  return report;
}
