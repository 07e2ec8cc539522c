import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../../common/clock';
import { newEventId } from '../../common/ids';
import { Database, DATABASE, violatedUniqueConstraint } from '../../database/database';
import { appendToStream, lockOrganizationLog, StreamVersionConflict } from '../../event-store/event-store';
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
import { findEnvironment, isNameTaken } from '../projections/environments.read-model';
import type { CommandContext } from './command-context';

/** How often a command is retried after another writer won the race for the same stream version. */
export const MAX_APPEND_ATTEMPTS = 10;

function nameTaken(name: string): DomainError {
  return new DomainError(
    DomainErrorCode.EnvironmentNameTaken,
    `name: an environment named ${JSON.stringify(name)} already exists in this organization`,
  );
}

/** The later of two RFC 3339 timestamps of the same fixed format. */
function latest(a: string, b: string | null): string {
  return b !== null && b > a ? b : a;
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
    return this.db.transaction(async (tx) => {
      const { lastRecordedAt } = await lockOrganizationLog(tx, context.organizationId);
      // Never earlier than the organization's last event, so its log reads in time order.
      const command: EnvironmentCommand = { ...unstamped, metadata: { now: latest(this.clock.now(), lastRecordedAt) } };
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
      const stored = await appendToStream(
        tx,
        streamIdFor(id),
        state?.version ?? 0,
        events.map((event) => ({ event_id: newEventId(), event })),
        {
          organization_id: context.organizationId,
          actor: context.actor,
          request_id: context.requestId,
          schema_version: EVENT_SCHEMA_VERSION,
        },
        command.metadata.now,
      );
      return projectEvents(tx, stored, state);
    });
  }
}
