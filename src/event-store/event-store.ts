/** The event store: one file per operation, all of them in the caller's transaction. */
export * from './stored-event';
export { appendToStream } from './append-to-stream';
export { LOG_START, readAllBatch } from './read-all-batch';
export type { LogCheckpoint } from './read-all-batch';
export { lockOrganizationLog } from './lock-organization-log';
