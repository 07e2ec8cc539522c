import type { CreatedBy } from '../../organizations/history/created-by';
import type { FieldChange } from '../domain/changes';
import type { EnvironmentResource } from './environment.resource';

export type VersionOperation = 'created' | 'modified' | 'archived' | 'deleted';
export const VERSION_OPERATIONS: readonly VersionOperation[] = ['created', 'modified', 'archived', 'deleted'];

/** One recorded change of an environment, exactly as the history endpoints render it. */
export interface EnvironmentVersionResource {
  type: 'environment_version';
  id: string;
  environment_id: string;
  version: number;
  operation: VersionOperation;
  created_at: string;
  created_by: CreatedBy;
  request_id: string | null;
  changes: FieldChange[];
  environment: EnvironmentResource | null;
}
