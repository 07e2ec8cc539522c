import { getMetadataStorage } from '../common/class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import type { RequestClass } from '../common/validation';

type JsonSchema = Record<string, unknown>;

/** The JSON Schema type of a class-validator check, for the checks the request classes use. */
const TYPES: Record<string, string> = { isString: 'string', isBoolean: 'boolean', isInt: 'integer', isNumber: 'number', isObject: 'object', isArray: 'array' };

function propertySchema(cls: RequestClass, property: string, checks: ValidationMetadata[]): JsonSchema {
  const nested = cls.nested && Object.prototype.hasOwnProperty.call(cls.nested, property) ? cls.nested[property] : undefined;
  if (nested) return requestSchema(nested);
  const schema: JsonSchema = {};
  const itemChecks = checks.filter((check) => check.each);
  for (const check of checks.filter((c) => !c.each)) {
    const name = check.name ?? '';
    if (TYPES[name]) schema.type = TYPES[name];
    if (name === 'isIn') schema.enum = [...(check.constraints[0] as unknown[])];
    if (name === 'min') schema.minimum = check.constraints[0];
    if (name === 'max') schema.maximum = check.constraints[0];
  }
  if (schema.type === 'array') {
    const items = itemChecks.map((check) => TYPES[check.name ?? '']).find(Boolean);
    schema.items = items ? { type: items } : {};
  }
  if (schema.enum && !schema.type) schema.type = 'string';
  return schema;
}

function withNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') {
    const enumerated = schema.enum ? { enum: [...(schema.enum as unknown[]), null] } : {};
    return { ...schema, type: [schema.type, 'null'], ...enumerated };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/**
 * The JSON Schema of a request body, read from the class-validator
 * decorators that validateBody (src/common/validation.ts) checks it with: so
 * the description and the validation cannot disagree. Types and nesting
 * only, like the classes; unknown fields are refused at every level
 * (additionalProperties: false). `@IsOptional()` admits an absent field and
 * null, as class-validator does.
 */
export function requestSchema(cls: RequestClass, extra: { required?: string[]; description?: string } = {}): JsonSchema {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const entry of metadata) byProperty.set(entry.propertyName, [...(byProperty.get(entry.propertyName) ?? []), entry]);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, checks] of byProperty) {
    const optional = checks.some((check) => check.name === 'isOptional');
    const schema = propertySchema(cls, property, checks);
    properties[property] = optional ? withNull(schema) : schema;
    if (!optional || extra.required?.includes(property)) required.push(property);
  }
  return {
    type: 'object',
    additionalProperties: false,
    ...(extra.description ? { description: extra.description } : {}),
    ...(required.length ? { required } : {}),
    properties,
  };
}
