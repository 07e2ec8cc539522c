import { getMetadataStorage, validateSync, ValidationError } from './class-validator';
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

/** A request class, and the request classes of its nested objects. */
export type RequestClass = (new () => object) & { nested?: Record<string, RequestClass> };

const knownPropertiesCache = new WeakMap<RequestClass, Set<string>>();

/** The properties a request class declares (its own and inherited validation decorators). */
function knownProperties(cls: RequestClass): Set<string> {
  let known = knownPropertiesCache.get(cls);
  if (!known) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
    known = new Set(metadata.map((entry) => entry.propertyName));
    knownPropertiesCache.set(cls, known);
  }
  return known;
}

/**
 * Copies a JSON object onto a new instance of its request class, refusing
 * any key the class does not declare. Only own keys are looked at and only
 * declared ones are copied, so keys such as "constructor" or "toString" are
 * unknown fields like any other and never reach the instance.
 */
function toInstance(cls: RequestClass, value: Record<string, unknown>, path: string): object {
  const known = knownProperties(cls);
  const instance = new cls() as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw ApiError.badRequest(`${path}${key}: unknown field`);
    const item = value[key];
    const child = cls.nested && Object.prototype.hasOwnProperty.call(cls.nested, key) ? cls.nested[key] : undefined;
    const isObject = item !== null && typeof item === 'object' && !Array.isArray(item);
    // A nested shape sent as anything but an object (an array of objects whose own `constructor` is null
    // would trip class-validator's nested validation) is refused here, in class-validator's words.
    if (child && !isObject && item !== null && item !== undefined) throw ApiError.badRequest(`${path}${key} must be an object`);
    instance[key] = child && isObject ? toInstance(child, item as Record<string, unknown>, `${path}${key}.`) : item;
  }
  return instance;
}

/**
 * Checks a JSON body against a class-validator request class: JavaScript
 * types, nesting, and no unknown fields at any level. Value rules (lengths,
 * formats, merge results) are the domain's. Returns the body as parsed.
 */
export function validateBody<T extends object>(cls: RequestClass & (new () => T), body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ApiError.badRequest('Request body must be a JSON object');
  }
  const instance = toInstance(cls, body as Record<string, unknown>, '');
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length) throw ApiError.badRequest(firstProblem(errors) ?? 'Request body is invalid');
  return body as T;
}
