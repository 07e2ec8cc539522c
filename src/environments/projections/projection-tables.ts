/** Where the projections write: the live read model, or scratch copies during a rebuild. */
export interface ProjectionTables {
  environments: string;
  versions: string;
}

export const LIVE_TABLES: ProjectionTables = { environments: 'environments', versions: 'environment_versions' };
