import type { Actor } from '../../event-store/event-store';

/** Who is acting, for whom, in which request: travels with every command into event metadata. */
export interface CommandContext {
  organizationId: string;
  actor: Actor;
  requestId: string | null;
}
