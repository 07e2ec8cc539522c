import { CodedError } from '../../common/coded-error';

/** What can go wrong with an audit sink call; mapped to HTTP in src/http/error-mapping.ts. */
export enum AuditSinkErrorCode {
  InvalidRequest = 'invalid_request',
  AuditSinkNotFound = 'audit_sink_not_found',
}

export class AuditSinkError extends CodedError<AuditSinkErrorCode> {}
