import { diffFields } from './changes';
import { EnvironmentFields, EnvironmentState } from './environment';
import { DomainError, DomainErrorCode } from './errors';
import { EnvironmentEvent } from './events';
import { createFields, mergeFields } from './fields';
import type { EnvironmentInput } from './inputs';

/** Time and ids travel in command metadata so that the domain stays pure. */
export interface CommandMetadata {
  now: string;
}

export type CreateEnvironment = {
  type: 'CreateEnvironment';
  data: { environment_id: string; organization_id: string; input: EnvironmentInput };
  metadata: CommandMetadata;
};
export type UpdateEnvironment = {
  type: 'UpdateEnvironment';
  data: { environment_id: string; input: EnvironmentInput; expected_version?: number };
  metadata: CommandMetadata;
};
export type ArchiveEnvironment = {
  type: 'ArchiveEnvironment';
  data: { environment_id: string };
  metadata: CommandMetadata;
};
export type DeleteEnvironment = {
  type: 'DeleteEnvironment';
  data: { environment_id: string };
  metadata: CommandMetadata;
};

export type EnvironmentCommand = CreateEnvironment | UpdateEnvironment | ArchiveEnvironment | DeleteEnvironment;

/** `null` is "no environment": never created, or deleted. */
export type DeciderState = EnvironmentState | null;

export function initialState(): DeciderState {
  return null;
}

export function notFound(id: string): DomainError {
  return new DomainError(DomainErrorCode.EnvironmentNotFound, `No environment with id ${JSON.stringify(id)} was found`);
}

function existing(state: DeciderState, id: string): EnvironmentState {
  if (state === null) throw notFound(id);
  return state;
}

export function create(command: CreateEnvironment, state: DeciderState): EnvironmentEvent[] {
  if (state !== null) throw new Error(`environment ${command.data.environment_id} already exists`);
  const fields = createFields(command.data.input);
  return [
    {
      type: 'EnvironmentCreated',
      data: {
        environment_id: command.data.environment_id,
        organization_id: command.data.organization_id,
        ...fields,
        created_at: command.metadata.now,
      },
    },
  ];
}

export function update(command: UpdateEnvironment, state: DeciderState): EnvironmentEvent[] {
  const current = existing(state, command.data.environment_id);
  const expected = command.data.expected_version;
  if (expected !== undefined && expected !== current.version) {
    throw new DomainError(
      DomainErrorCode.VersionMismatch,
      `If-Match expected version ${expected}, but the environment is at version ${current.version}`,
    );
  }
  if (current.archived_at !== null) {
    throw new DomainError(DomainErrorCode.EnvironmentArchived, 'An archived environment cannot be updated');
  }
  const merged = mergeFields(current, command.data.input);
  const changes = diffFields(current, merged);
  if (changes.length === 0) return [];
  const set: Partial<EnvironmentFields> = {};
  for (const key of ['name', 'description', 'config', 'metadata', 'scope'] as const) {
    if (JSON.stringify(current[key]) !== JSON.stringify(merged[key])) (set as Record<string, unknown>)[key] = merged[key];
  }
  return [
    {
      type: 'EnvironmentModified',
      data: { environment_id: current.id, set, changes, modified_at: command.metadata.now },
    },
  ];
}

export function archive(command: ArchiveEnvironment, state: DeciderState): EnvironmentEvent[] {
  const current = existing(state, command.data.environment_id);
  if (current.archived_at !== null) return [];
  return [{ type: 'EnvironmentArchived', data: { environment_id: current.id, archived_at: command.metadata.now } }];
}

export function remove(command: DeleteEnvironment, state: DeciderState): EnvironmentEvent[] {
  const current = existing(state, command.data.environment_id);
  return [{ type: 'EnvironmentDeleted', data: { environment_id: current.id, deleted_at: command.metadata.now } }];
}

export function decide(command: EnvironmentCommand, state: DeciderState): EnvironmentEvent[] {
  switch (command.type) {
    case 'CreateEnvironment':
      return create(command, state);
    case 'UpdateEnvironment':
      return update(command, state);
    case 'ArchiveEnvironment':
      return archive(command, state);
    case 'DeleteEnvironment':
      return remove(command, state);
    default: {
      const unknownCommand: never = command;
      throw new Error(`Unknown command: ${JSON.stringify(unknownCommand)}`);
    }
  }
}

export function evolve(state: DeciderState, event: EnvironmentEvent): DeciderState {
  switch (event.type) {
    case 'EnvironmentCreated': {
      const { environment_id, organization_id, created_at, name, description, config, metadata, scope } = event.data;
      return {
        id: environment_id,
        organization_id,
        name,
        description,
        config,
        metadata,
        scope,
        version: 1,
        archived_at: null,
        created_at,
        updated_at: created_at,
      };
    }
    case 'EnvironmentModified': {
      const current = existing(state, event.data.environment_id);
      return { ...current, ...event.data.set, version: current.version + 1, updated_at: event.data.modified_at };
    }
    case 'EnvironmentArchived': {
      const current = existing(state, event.data.environment_id);
      const at = event.data.archived_at;
      return { ...current, archived_at: at, updated_at: at, version: current.version + 1 };
    }
    case 'EnvironmentDeleted':
      return null;
    default: {
      const unknownEvent: never = event;
      throw new Error(`Unknown event: ${JSON.stringify(unknownEvent)}`);
    }
  }
}

export function fold(events: readonly EnvironmentEvent[], state: DeciderState = initialState()): DeciderState {
  return events.reduce(evolve, state);
}
