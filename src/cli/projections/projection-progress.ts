import type { Database } from '../../database/database';
import { rebuildProjections, verifyProjections } from '../../projections';
import type { RebuildReport, VerifyReport } from '../../projections';
import type { Progress } from '../progress';

type OnProgress = (done: number, total: number) => void;

/**
 * The one place that hands the progress callback to the replay: the rebuild
 * and verify entry points take an optional `onProgress(done, total)` (events
 * replayed, of how many). Until they report it, only the final line (from
 * the report's event count) is printed.
 *
 * TODO(projections onProgress): once rebuildProjections / verifyProjections
 * declare `onProgress`, drop the casts below and pass it as they declare it.
 */
const rebuild = rebuildProjections as (db: Database, options?: { onProgress?: OnProgress }) => Promise<RebuildReport>;
const verify = verifyProjections as (db: Database, maxDifferences?: number, options?: { onProgress?: OnProgress }) => Promise<VerifyReport>;

export async function rebuildWithProgress(db: Database, progress: Progress): Promise<RebuildReport> {
  const report = await rebuild(db, { onProgress: progress.onProgress });
  progress.finish(report.events);
  return report;
}

export async function verifyWithProgress(db: Database, progress: Progress): Promise<VerifyReport> {
  const report = await verify(db, undefined, { onProgress: progress.onProgress });
  progress.finish(report.events);
  return report;
}
