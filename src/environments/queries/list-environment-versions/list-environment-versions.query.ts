import { Query } from '@nestjs/cqrs';
import type { VersionFilters, VersionPosition } from '../../projections/environment-versions.read-model';
import type { EnvironmentVersionResource } from '../../resources/environment-version.resource';

export interface VersionPage {
  data: EnvironmentVersionResource[];
  next_page?: string;
}

/** One environment's history (by version), or the organization's (filtered, by time). */
export class ListEnvironmentVersionsQuery extends Query<VersionPage> {
  constructor(
    readonly organizationId: string,
    readonly scope:
      | { environmentId: string; beforeVersion: number | null }
      | { filters: VersionFilters; after: VersionPosition | null },
    readonly limit: number,
  ) {
    super();
  }
}
