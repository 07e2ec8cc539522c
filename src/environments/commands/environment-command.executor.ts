import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../../common/clock';
import { newEventId } from '../../common/ids';
import { Database, DATABASE, violatedUniqueConstraint } from '../../database/database';
import { appendToStream, metadataFor, StreamVersionConflict } from '../../event-store/event-store';
import { inOrganizationLog } from '../../event-store/organization-log';
import type { FreezeState } from '../../organizations/domain/freeze';
import { findFreeze } from '../../organizations/projections/freeze.read-model';
import {
  ArchiveEnvironment,
  CreateEnvironment,
  decide,
  DeleteEnvironment,
  EnvironmentCommand,
  UpdateEnvironment,
} from '../domain/decider';
import type { EnvironmentState } from '../domain/environment';
import { DomainError, DomainErrorCode } from '../domain/errors';
import { EnvironmentEvent, EVENT_SCHEMA_VERSION, streamIdFor } from '../domain/events';
import { projectEvents } from '../projections/environment.projector';
import { signals } from '../../telemetry/signals';
import { inSpan } from '../../telemetry/spans';
import { findEnvironment, isNameTaken } from '../projections/environments.read-model';
import type { CommandContext } from './command-context';
import { EnvironmentRetirementHooks } from './environment-retirement';

/** How often a command is retried after another writer won the race for the same stream version. */
export const MAX_APPEND_ATTEMPTS = 10;

function nameTaken(name: string): DomainError {
  return new DomainError(
    DomainErrorCode.EnvironmentNameTaken,
    `name: an environment named ${JSON.stringify(name)} already exists in this organization`,
  );
}

/** While the organization is frozen, the commands it holds still are refused (403), before anything is decided. */
function refuseIfFrozen(command: EnvironmentCommand, freeze: FreezeState): void {
  const creating = command.type === 'CreateEnvironment';
  if (creating ? !freeze.creates : !freeze.updates) return;
  const what = creating ? 'Creating environments' : 'Changing environments (update, archive, delete)';
  throw new DomainError(
    creating ? DomainErrorCode.EnvironmentCreateDisabled : DomainErrorCode.EnvironmentUpdateDisabled,
    `${what} is disabled in this organization while it is frozen: ${freeze.reason ?? 'no reason given'}`,
  );
}

/** The name an event gives the environment, as the domain normalized it. */
function nameSetBy(event: EnvironmentEvent): string | undefined {
  if (event.type === 'EnvironmentCreated') return event.data.name;
  if (event.type === 'EnvironmentModified') return event.data.set.name;
  return undefined;
}

type WithoutTime<C> = C extends unknown ? Omit<C, 'metadata'> : never;

/** A command as a handler builds it; the executor stamps the time once it holds the organization's log lock. */
export type UnstampedCommand = WithoutTime<EnvironmentCommand>;

export interface ExecuteOptions {
  /** From If-Match: a lost race is then a 412, never a retry against a newer version. */
  expectedVersion?: number;
}

/**
 * The one write path: in a single transaction, take the organization's log
 * lock, read the clock, load the current-state row as the snapshot, decide,
 * append at the expected version and project inline. A lost race on the
 * stream version (possible only if something appends without the lock) is
 * retried against the new state, unless the client pinned a version with
 * If-Match (then it is a 412).
 */
@Injectable()
export class EnvironmentCommandExecutor {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly retirement: EnvironmentRetirementHooks,
  ) {}

  /** Create, update and archive return the environment as it now is; delete returns nothing. */
  execute(command: WithoutTime<DeleteEnvironment>, context: CommandContext, options?: ExecuteOptions): Promise<void>;
  execute(
    command: WithoutTime<CreateEnvironment | UpdateEnvironment | ArchiveEnvironment>,
    context: CommandContext,
    options?: ExecuteOptions,
  ): Promise<EnvironmentState>;
  execute(command: UnstampedCommand, context: CommandContext, options?: ExecuteOptions): Promise<EnvironmentState | void>;
  async execute(command: UnstampedCommand, context: CommandContext, options: ExecuteOptions = {}): Promise<EnvironmentState | void> {
    const state = await this.withRetries(command, context, options);
    if (command.type === 'DeleteEnvironment') return;
    // Create, update and archive always leave an environment: decide() refuses the last two on a missing one.
    if (state === null) throw new Error(`${command.type} left no environment ${command.data.environment_id}`);
    return state;
  }

  private async withRetries(command: UnstampedCommand, context: CommandContext, options: ExecuteOptions): Promise<EnvironmentState | null> {
    for (let attempt = 1; ; attempt++) {
      const decided: { name?: string } = {};
      try {
        return await this.attempt(command, context, decided);
      } catch (error) {
        if (error instanceof StreamVersionConflict) {
          if (options.expectedVersion !== undefined) {
            throw new DomainError(DomainErrorCode.VersionMismatch, 'If-Match: the environment changed concurrently');
          }
          if (attempt < MAX_APPEND_ATTEMPTS) {
            signals.versionClashRetry('environment');
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
            continue;
          }
          throw new DomainError(
            DomainErrorCode.VersionMismatch,
            'The environment is being changed by too many concurrent requests; retry the request',
          );
        }
        if (decided.name !== undefined && violatedUniqueConstraint(error) === 'environments_org_name_unique') {
          throw nameTaken(decided.name);
        }
        throw error;
      }
    }
  }

  /** `decided.name`: the name the decided events set, for reporting a clash the unique index found. */
  private async attempt(
    unstamped: UnstampedCommand,
    context: CommandContext,
    decided: { name?: string },
  ): Promise<EnvironmentState | null> {
    return inOrganizationLog(this.db, this.clock, context.organizationId, async (tx, now) => {
      const command: EnvironmentCommand = { ...unstamped, metadata: { now } };
      // Read under the organization's lock: a freeze that committed before this command holds it.
      refuseIfFrozen(command, await findFreeze(tx, context.organizationId));
      const id = command.data.environment_id;
      const state = command.type === 'CreateEnvironment' ? null : await findEnvironment(tx, context.organizationId, id);
      const events = decide(command, state);
      if (events.length === 0) return state;
      for (const event of events) {
        const name = nameSetBy(event);
        if (name === undefined) continue;
        decided.name = name;
        if (await isNameTaken(tx, context.organizationId, name, id)) throw nameTaken(name);
      }
      const stored = await inSpan('append', { 'sandbase.events': events.length }, () => appendToStream(
        tx,
        streamIdFor(id),
        state?.version ?? 0,
        events.map((event) => ({ event_id: newEventId(), event })),
        metadataFor(context.organizationId, context, EVENT_SCHEMA_VERSION),
        now,
      ));
      const after = await inSpan('project', { 'sandbase.projection': 'environments' }, () => projectEvents(tx, stored, state));
      if (command.type === 'ArchiveEnvironment' || command.type === 'DeleteEnvironment') {
        await this.retirement.run(tx, { organizationId: context.organizationId, environmentId: id, now, context });
      }
      return after;
    });
  }
}
