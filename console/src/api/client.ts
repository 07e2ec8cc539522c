import type { paths } from './openapi';
import { forgetKey, storedKey } from './key';

/** An answer in the API's error envelope (or a network failure, status 0). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'api_error',
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

type GetOperation<P extends keyof paths> = paths[P] extends { get: infer O } ? O : never;
export type GetPath = { [P in keyof paths]: GetOperation<P> extends never ? never : P }[keyof paths];
export type Ok<P extends GetPath> = GetOperation<P> extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;
export type Query<P extends GetPath> = GetOperation<P> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type PathParams<P extends GetPath> = GetOperation<P> extends { parameters: { path: infer T } } ? T : never;

export interface GetOptions<P extends GetPath> {
  path?: PathParams<P>;
  query?: Query<P>;
  signal?: AbortSignal;
  /** Another key than the stored one (signing in checks the typed key before storing it). */
  key?: string;
}

let unauthorized: (message: string) => void = () => undefined;

/** Called when the API refuses the stored key (401): the app forgets it and asks for a key again. */
export function onUnauthorized(handler: (message: string) => void): void {
  unauthorized = handler;
}

function url(template: string, options: { path?: object; query?: object }): string {
  const path = template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) =>
    encodeURIComponent(String((options.path as Record<string, unknown> | undefined)?.[name] ?? '')),
  );
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

/** A GET of the API, typed by its OpenAPI description; the key goes in the x-api-key header only. */
export async function apiGet<P extends GetPath>(template: P, options: GetOptions<P> = {}): Promise<Ok<P>> {
  const key = options.key ?? storedKey();
  if (!key) {
    unauthorized('Sign in with an API key.');
    throw new ApiFailure(401, 'Sign in with an API key.', 'authentication_error');
  }
  let response: Response;
  try {
    response = await fetch(url(template, options as { path?: object; query?: object }), {
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', accept: 'application/json' },
      signal: options.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiFailure(0, 'The service did not answer. Check your connection and try again.');
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) return body as Ok<P>;
  const envelope = body as { error?: { type?: string; message?: string }; request_id?: string } | null;
  const failure = new ApiFailure(
    response.status,
    envelope?.error?.message ?? `The service answered ${response.status}.`,
    envelope?.error?.type,
    envelope?.request_id ?? response.headers.get('request-id'),
  );
  if (response.status === 401 && !options.key) {
    forgetKey();
    unauthorized(failure.message);
  }
  throw failure;
}

/** Every page of a cursor-paginated list, in order. */
export async function apiGetAll<P extends GetPath>(
  template: P,
  options: GetOptions<P>,
  onPage?: (count: number) => void,
): Promise<Ok<P> extends { data: (infer T)[] } ? T[] : never> {
  const all: unknown[] = [];
  let page: string | undefined;
  do {
    const query = { ...options.query, limit: 100, ...(page ? { page } : {}) } as unknown as Query<P>;
    const answer = (await apiGet(template, { ...options, query })) as { data: unknown[]; next_page?: string };
    all.push(...answer.data);
    onPage?.(all.length);
    page = answer.next_page;
  } while (page);
  return all as never;
}
