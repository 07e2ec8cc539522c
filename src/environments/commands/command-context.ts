import type { ChangeContext } from '../../event-store/event-store';

/** Who is acting, for whom, in which request, from where: travels with every command into event metadata. */
export interface CommandContext extends ChangeContext {
  organizationId: string;
}
