import { ApiError } from '../common/api-error';

/** How deep a JSON body may nest; the API's own shapes need 4 levels. */
export const MAX_BODY_DEPTH = 32;

/** Lone UTF-16 surrogates (`\ud800` without its pair) are not text: PostgreSQL's jsonb refuses them. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'Request body must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'Request body must not contain unpaired UTF-16 surrogates (such as \\ud800)';
  return null;
}

/**
 * Why a parsed body cannot be accepted, or null: nesting beyond
 * MAX_BODY_DEPTH, or a key or string that PostgreSQL cannot store (U+0000,
 * a lone surrogate). Iterative, so no body can exhaust the stack.
 */
function bodyProblem(root: unknown): string | null {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) return problem;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_BODY_DEPTH) return `Request body is nested more than ${MAX_BODY_DEPTH} levels deep`;
    for (const [key, item] of Object.entries(value)) {
      const problem = stringProblem(key);
      if (problem) return problem;
      stack.push([item, depth + 1]);
    }
  }
  return null;
}

/**
 * JSON bodies: an empty body is "no body" (so `curl -X POST .../archive -H
 * 'content-type: application/json'` works) and malformed JSON is a 400 naming
 * the problem. Keys such as `__proto__` and `constructor` are kept as the
 * ordinary own properties JSON.parse makes of them (it never touches a
 * prototype): they are valid metadata keys, and anywhere else the request
 * validation refuses them as unknown fields. Code that copies request data
 * uses own-property reads and defining writes (Object.entries/fromEntries,
 * spreads, Maps), never assignment by key, so no prototype can be reached.
 */
export function parseJsonBody(_request: unknown, body: string, done: (err: Error | null, value?: unknown) => void): void {
  if (body.trim() === '') return done(null, undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return done(ApiError.badRequest(`Request body is not valid JSON: ${(error as Error).message}`));
  }
  const problem = bodyProblem(parsed);
  done(problem ? ApiError.badRequest(problem) : null, problem ? undefined : parsed);
}
