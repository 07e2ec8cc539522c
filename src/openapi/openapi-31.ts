type Json = unknown;

/** A 3.0 schema (nullable, boolean exclusive bounds) as the JSON Schema 2020-12 that OpenAPI 3.1 uses. */
function convertSchema(schema: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = { ...schema };
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
    else if (out.type === undefined) return { anyOf: [convertSchema(out), { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  } else if (out.nullable === false) {
    delete out.nullable;
  }
  for (const bound of ['Minimum', 'Maximum'] as const) {
    const flag = `exclusive${bound}`;
    const limit = bound.toLowerCase();
    if (out[flag] === true) {
      out[flag] = out[limit];
      delete out[limit];
    } else if (out[flag] === false) {
      delete out[flag];
    }
  }
  return out;
}

const SCHEMA_KEYS = new Set(['schema', 'items', 'not', 'additionalProperties', 'contains', 'if', 'then', 'else', 'propertyNames']);
const SCHEMA_LIST_KEYS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'schemas']);

function walk(value: Json, isSchema: boolean): Json {
  if (Array.isArray(value)) return value.map((item) => walk(item, false));
  if (value === null || typeof value !== 'object') return value;
  const node = isSchema ? convertSchema(value as Record<string, Json>) : (value as Record<string, Json>);
  const out: Record<string, Json> = {};
  for (const [key, child] of Object.entries(node)) {
    if (SCHEMA_KEYS.has(key) && child !== null && typeof child === 'object' && !Array.isArray(child)) out[key] = walk(child, true);
    else if (SCHEMA_LIST_KEYS.has(key) && Array.isArray(child)) out[key] = child.map((item) => walk(item, true));
    else if (SCHEMA_MAP_KEYS.has(key) && child !== null && typeof child === 'object') {
      out[key] = Object.fromEntries(Object.entries(child).map(([name, item]) => [name, walk(item, true)]));
    } else out[key] = walk(child, false);
  }
  return out;
}

/**
 * @nestjs/swagger writes OpenAPI 3.0 schemas; 3.1 uses JSON Schema 2020-12:
 * `nullable: true` becomes a `null` type, boolean exclusive bounds become
 * numbers. The resources' own schemas are 2020-12 already and pass unchanged.
 */
export function toOpenApi31<T extends Record<string, unknown>>(document: T): T {
  return { ...(walk(document, false) as T), openapi: '3.1.0' };
}
