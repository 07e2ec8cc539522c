import { userInfo } from 'node:os';
import type { Actor } from '../event-store/event-store';

/** The operator at the CLI, as every change made from it is recorded: a `cli_actor` with the system user's name. */
export function operator(): Extract<Actor, { type: 'cli_actor' }> {
  return { type: 'cli_actor', name: userInfo().username };
}
