import { CodedError } from '../../common/coded-error';

/** What can go wrong with a work-queue or environment-key call; mapped to HTTP in src/http/error-mapping.ts. */
export enum WorkErrorCode {
  InvalidRequest = 'invalid_request',
  EnvironmentNotSelfHosted = 'environment_not_self_hosted',
  WorkNotFound = 'work_not_found',
  WorkStopped = 'work_stopped',
  WorkNotStarted = 'work_not_started',
  HeartbeatPreconditionFailed = 'heartbeat_precondition_failed',
  EnvironmentKeyNotFound = 'environment_key_not_found',
}

export class WorkError extends CodedError<WorkErrorCode> {
  /** Extra `details` of the error envelope (the heartbeat precondition's `current_state`). */
  details?: Record<string, unknown>;

  withDetails(details: Record<string, unknown>): this {
    this.details = details;
    return this;
  }
}
