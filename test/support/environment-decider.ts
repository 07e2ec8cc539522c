import {
  ArchiveEnvironment,
  CreateEnvironment,
  decide,
  DeciderState,
  DeleteEnvironment,
  EnvironmentCommand,
  evolve,
  initialState,
  UpdateEnvironment,
} from '../../src/environments/domain/decider';
import { DomainError } from '../../src/environments/domain/errors';
import { EnvironmentEvent } from '../../src/environments/domain/events';
import type { EnvironmentInput } from '../../src/environments/domain/inputs';
import { DeciderSpecification } from './decider-specification';

/** The environments decider under a DeciderSpecification, and the commands its unit specs send. */

export const ID = 'env_0123456789abcdefghijABCD';
export const ORG = 'org_1';
export const T0 = '2026-05-29T10:00:00.000Z';
export const T1 = '2026-05-29T11:00:00.000Z';
export const T2 = '2026-05-29T12:00:00.000Z';
export const T3 = '2026-05-29T13:00:00.000Z';

export const spec = DeciderSpecification.for<EnvironmentCommand, EnvironmentEvent, DeciderState, DomainError>(
  { decide, evolve, initialState },
  { errorType: DomainError },
);

export function createCmd(input: EnvironmentInput, now = T0): CreateEnvironment {
  return { type: 'CreateEnvironment', data: { environment_id: ID, organization_id: ORG, input }, metadata: { now } };
}

export function updateCmd(input: EnvironmentInput, opts: { expected_version?: number; now?: string } = {}): UpdateEnvironment {
  const data: UpdateEnvironment['data'] = { environment_id: ID, input };
  if (opts.expected_version !== undefined) data.expected_version = opts.expected_version;
  return { type: 'UpdateEnvironment', data, metadata: { now: opts.now ?? T1 } };
}

export function archiveCmd(now = T1): ArchiveEnvironment {
  return { type: 'ArchiveEnvironment', data: { environment_id: ID }, metadata: { now } };
}

export function deleteCmd(now = T1): DeleteEnvironment {
  return { type: 'DeleteEnvironment', data: { environment_id: ID }, metadata: { now } };
}

/** The DomainError `fn` throws (fails the test if it throws nothing or something else). */
export function domainFailure(fn: () => unknown): DomainError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DomainError);
  return thrown as DomainError;
}
