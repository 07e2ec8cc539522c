import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../../common/clock';
import { newEventId } from '../../common/ids';
import { Database, DATABASE, violatedUniqueConstraint } from '../../database/database';
import { appendToStream, lockOrganizationLog, StreamVersionConflict } from '../../event-store/event-store';
import { decide, EnvironmentCommand } from '../domain/decider';
import type { EnvironmentState } from '../domain/environment';
import { DomainError, DomainErrorCode } from '../domain/errors';
import { EVENT_SCHEMA_VERSION, streamIdFor } from '../domain/events';
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

  async execute(build: (now: string) => EnvironmentCommand, context: CommandContext): Promise<EnvironmentState | null> {
    // What the command is does not depend on the time: build it once to know how to report failures.
    const shape = build('');
    const pinned = shape.type === 'UpdateEnvironment' && shape.data.expected_version !== undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(build, context);
      } catch (error) {
        if (error instanceof StreamVersionConflict) {
          if (pinned) {
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
        if (violatedUniqueConstraint(error) === 'environments_org_name_unique') {
          throw nameTaken('input' in shape.data ? String(shape.data.input.name ?? '').trim() : '');
        }
        throw error;
      }
    }
  }

  private async attempt(
    build: (now: string) => EnvironmentCommand,
    context: CommandContext,
  ): Promise<EnvironmentState | null> {
    return this.db.transaction(async (tx) => {
      const { lastRecordedAt } = await lockOrganizationLog(tx, context.organizationId);
      const command = build(latest(this.clock.now(), lastRecordedAt));
      const id = command.data.environment_id;
      const state = command.type === 'CreateEnvironment' ? null : await findEnvironment(tx, context.organizationId, id);
      const events = decide(command, state);
      if (events.length === 0) return state;
      for (const event of events) {
        const name =
          event.type === 'EnvironmentCreated'
            ? event.data.name
            : event.type === 'EnvironmentModified'
              ? event.data.set.name
              : undefined;
        if (name !== undefined && (await isNameTaken(tx, context.organizationId, name, id))) throw nameTaken(name);
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
