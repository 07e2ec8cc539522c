import { http } from './test-app';

/** Who calls the API: a base URL and a key. */
type Caller = { baseUrl: string; key: string };

export const CURSOR = /^page_[A-Za-z0-9_-]+$/;

/**
 * Every page of a listing (`path` may carry its own query), `limit` items a
 * page. Checks the page rules on the way: each answer is a 200 with a `data`
 * array of at most `limit` items; a page with a `next_page` holds exactly
 * `limit` items and a well-formed cursor; the walk ends.
 */
export async function walkPages(client: Caller, path: string, limit: number): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let pages = 0;
  let page: string | undefined;
  const join = path.includes('?') ? '&' : '?';
  for (;;) {
    const r = await http(client, 'GET', `${path}${join}limit=${limit}${page ? `&page=${encodeURIComponent(page)}` : ''}`);
    if (r.status !== 200) throw new Error(`GET ${path} page ${pages + 1}: ${r.status} ${JSON.stringify(r.body)}`);
    pages++;
    expect(Array.isArray(r.body.data)).toBe(true);
    expect(r.body.data.length).toBeLessThanOrEqual(limit);
    items.push(...r.body.data);
    if (!('next_page' in r.body)) break;
    expect(r.body.data).toHaveLength(limit);
    expect(r.body.next_page).toMatch(CURSOR);
    page = r.body.next_page;
    if (pages > 10_000) throw new Error('pagination does not end');
  }
  return { items, pages };
}

/** The items of every page of a listing (see walkPages). */
export async function allPages(client: Caller, path: string, limit: number): Promise<any[]> {
  return (await walkPages(client, path, limit)).items;
}

/** The position a `page_...` cursor encodes (after checking its form). */
export function decodeCursor(cursor: string): unknown {
  expect(cursor).toMatch(CURSOR);
  return JSON.parse(Buffer.from(cursor.slice('page_'.length), 'base64url').toString('utf8'));
}

/** A cursor for `position`, well-formed or not (to test what the service refuses). */
export function cursorOf(position: unknown): string {
  return `page_${Buffer.from(JSON.stringify(position)).toString('base64url')}`;
}
