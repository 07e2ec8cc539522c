import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ApiError } from './api-error';

function firstProblem(errors: ValidationError[], parent = ''): string | null {
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    if (constraints.whitelistValidation) return `${path}: unknown field`;
    const message = Object.values(constraints)[0];
    if (message) {
      // class-validator messages start with the bare property name; say the full path instead.
      return message.startsWith(error.property) ? path + message.slice(error.property.length) : `${path}: ${message}`;
    }
    const nested = firstProblem(error.children ?? [], path);
    if (nested) return nested;
  }
  return null;
}

/**
 * Checks a JSON body against a class-validator request class: JavaScript
 * types, nesting, and no unknown fields at any level. Value rules (lengths,
 * formats, merge results) are the domain's. Returns a plain object.
 */
export function validateBody<T extends object>(cls: new () => T, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ApiError.badRequest('Request body must be a JSON object');
  }
  const instance = plainToInstance(cls, body, { enableImplicitConversion: false });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length) throw ApiError.badRequest(firstProblem(errors) ?? 'Request body is invalid');
  return body as T;
}
