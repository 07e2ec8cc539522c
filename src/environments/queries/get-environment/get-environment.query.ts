import { Query } from '@nestjs/cqrs';
import type { EnvironmentResource } from '../../resources/environment.resource';

export class GetEnvironmentQuery extends Query<EnvironmentResource> {
  constructor(
    readonly organizationId: string,
    readonly environmentId: string,
    /** When set, the environment as of this version (time travel). */
    readonly version?: number,
  ) {
    super();
  }
}
