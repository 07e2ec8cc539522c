import { ApiExtension } from '@nestjs/swagger';
import { AuditSinkErrorCode } from '../audit-stream/domain/errors';
import { ApiKeyErrorCode } from '../auth/domain/errors';
import { DomainErrorCode } from '../environments/domain/errors';
import { WorkErrorCode } from '../work/domain/errors';

/** A domain error a route can raise; its status, type and code come from src/http/error-mapping.ts. */
export type DocumentedError =
  | { domain: 'environment'; code: DomainErrorCode }
  | { domain: 'api_key'; code: ApiKeyErrorCode }
  | { domain: 'work'; code: WorkErrorCode }
  | { domain: 'audit_sink'; code: AuditSinkErrorCode };

export const ERRORS_EXTENSION = 'x-domain-errors';

export function environmentErrors(...codes: DomainErrorCode[]): DocumentedError[] {
  return codes.map((code) => ({ domain: 'environment', code }));
}

export function apiKeyErrors(...codes: ApiKeyErrorCode[]): DocumentedError[] {
  return codes.map((code) => ({ domain: 'api_key', code }));
}

export function workErrors(...codes: WorkErrorCode[]): DocumentedError[] {
  return codes.map((code) => ({ domain: 'work', code }));
}

export function auditSinkErrors(...codes: AuditSinkErrorCode[]): DocumentedError[] {
  return codes.map((code) => ({ domain: 'audit_sink', code }));
}

/**
 * The domain errors a route can answer with, beside the ones every route of
 * its kind has (key, scope, rate limit, idempotency, body: added by the
 * document builder from the route's access and method). The API description
 * lists each with its status and `error_code`; the e2e suite fails on an
 * answer whose code the route does not list.
 */
export const ApiErrors = (...errors: DocumentedError[][]): MethodDecorator => ApiExtension(ERRORS_EXTENSION, errors.flat());

/** What each domain code means, for the description (a new code does not compile until it is described here). */
export const DOMAIN_ERROR_MEANINGS: Record<DomainErrorCode | ApiKeyErrorCode | WorkErrorCode | AuditSinkErrorCode, string> = {
  invalid_request: 'A field breaks a rule (the message names it)',
  invalid_metadata: 'metadata breaks a rule: at most 16 pairs, keys 1-64 characters, string values up to 512',
  invalid_config_type_change: 'config.type cannot change after creation',
  environment_archived: 'An archived environment cannot be updated',
  environment_not_found: 'No such environment in this organization',
  environment_name_taken: 'Another environment of the organization has this name',
  version_mismatch: 'If-Match names another version than the current one',
  environment_create_disabled: 'The organization is frozen for creates',
  environment_update_disabled: 'The organization is frozen for updates, archives and deletes',
  api_key_not_found: 'No such key in this organization',
  api_key_revoked: 'The key is revoked or has expired',
  last_admin_key: "The organization's last active admin key cannot be revoked",
  environment_not_self_hosted: 'Work queues and environment keys exist only for environments of config.type "self_hosted"',
  work_not_found: 'No such work item in this environment',
  work_stopped: 'The work item is stopped',
  work_not_started: 'The work item is queued: acknowledge it first',
  heartbeat_precondition_failed: "expected_last_heartbeat is not the item's last heartbeat; details.current_state has the lease as it is",
  environment_key_not_found: 'No such key for this environment',
  audit_sink_not_found: 'No such audit sink in this organization',
};
