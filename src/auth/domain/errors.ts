/** What can go wrong with a key command; the HTTP layer maps each code in one place (src/http/error-mapping.ts). */
export enum ApiKeyErrorCode {
  InvalidRequest = 'invalid_request',
  ApiKeyNotFound = 'api_key_not_found',
  ApiKeyRevoked = 'api_key_revoked',
  LastAdminKey = 'last_admin_key',
}

export class ApiKeyError extends Error {
  constructor(
    readonly code: ApiKeyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyError';
  }
}
