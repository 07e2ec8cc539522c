import { CodedError } from '../../common/coded-error';

/** What can go wrong with a key command; mapped to HTTP in src/http/error-mapping.ts. */
export enum ApiKeyErrorCode {
  InvalidRequest = 'invalid_request',
  ApiKeyNotFound = 'api_key_not_found',
  ApiKeyRevoked = 'api_key_revoked',
  LastAdminKey = 'last_admin_key',
}

export class ApiKeyError extends CodedError<ApiKeyErrorCode> {}
