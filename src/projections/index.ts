/** Replaying the log into every read model: replay.ts (the batch loop over the families), rebuild.ts (the swap), verify.ts (the comparison). */
export { LogReplayError } from './replay';
export type { ReplayOptions, ReplayProgress } from './replay';
export { rebuildProjections, rebuildWithin } from './rebuild';
export type { RebuildReport } from './rebuild';
export { verifyProjections } from './verify';
export type { RowDifference, VerifyReport } from './verify';
