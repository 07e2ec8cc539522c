import { CodedError } from '../../common/coded-error';

/** What can go wrong with an environment command; mapped to HTTP in src/http/error-mapping.ts. */
export enum DomainErrorCode {
  InvalidRequest = 'invalid_request',
  InvalidMetadata = 'invalid_metadata',
  InvalidConfigTypeChange = 'invalid_config_type_change',
  EnvironmentArchived = 'environment_archived',
  EnvironmentNotFound = 'environment_not_found',
  EnvironmentNameTaken = 'environment_name_taken',
  VersionMismatch = 'version_mismatch',
  /** The organization is frozen for creates (`freeze --creates`). */
  EnvironmentCreateDisabled = 'environment_create_disabled',
  /** The organization is frozen for updates, archives and deletes (`freeze --updates`). */
  EnvironmentUpdateDisabled = 'environment_update_disabled',
}

export class DomainError extends CodedError<DomainErrorCode> {}

export function invalid(message: string): DomainError {
  return new DomainError(DomainErrorCode.InvalidRequest, message);
}

export function invalidMetadata(message: string): DomainError {
  return new DomainError(DomainErrorCode.InvalidMetadata, message);
}
