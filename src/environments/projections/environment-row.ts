import { jsonOf, nullableTimestampOf, timestampOf } from '../../common/rows';
import type { EnvironmentConfig, EnvironmentState } from '../domain/environment';

/** An `environments` row as either database returns it. */
export interface EnvironmentRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  config: unknown;
  metadata: unknown;
  scope: string;
  version: number | string;
  archived_at: unknown;
  created_at: unknown;
  updated_at: unknown;
}

export function toEnvironmentState(row: EnvironmentRow): EnvironmentState {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    description: row.description,
    config: jsonOf<EnvironmentConfig>(row.config),
    metadata: jsonOf<Record<string, string>>(row.metadata),
    scope: row.scope as 'organization',
    version: Number(row.version),
    archived_at: nullableTimestampOf(row.archived_at),
    created_at: timestampOf(row.created_at),
    updated_at: timestampOf(row.updated_at),
  };
}
