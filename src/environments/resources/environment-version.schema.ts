/**
 * JSON Schemas of the audit history's entries, exactly as
 * environment-version.resource.ts renders them.
 */
import { historyEntrySchema, historyPageSchema } from '../../organizations/history/history.schema';
import { environmentSchema } from './environment.schema';
import { VERSION_OPERATIONS } from './environment-version.resource';

/** One recorded change, with the environment as it stood after it (null after a delete). */
export const environmentVersionSchema = historyEntrySchema('environment_version', VERSION_OPERATIONS, {
  environment_id: { type: 'string' },
  environment: { anyOf: [environmentSchema, { type: 'null' }] },
});

export const environmentVersionListSchema = historyPageSchema(environmentVersionSchema);
