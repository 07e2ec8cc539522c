import { Query } from '@nestjs/cqrs';
import type { PagePosition } from '../../../common/page-cursor';
import type { EnvironmentResource } from '../../resources/environment.resource';

export interface EnvironmentPage {
  data: EnvironmentResource[];
  next_page?: string;
}

export class ListEnvironmentsQuery extends Query<EnvironmentPage> {
  constructor(
    readonly organizationId: string,
    readonly limit: number,
    readonly after: PagePosition | null,
    readonly includeArchived: boolean,
    /** Only environments whose name starts with this (case-sensitive); null for all. */
    readonly namePrefix: string | null = null,
  ) {
    super();
  }
}
