/**
 * Seeded databases, made once per run and per server through the HTTP API
 * (the same requests for both servers), then copied for each fresh process:
 *
 * - `small`: `updateSet` environments, one version each (update random);
 * - `large`: `small` plus more, `environments` in all (retrieve, lists, cold
 *   start, bytes per environment), with the cursor of the page `listDepth` deep;
 * - `history`: `small` plus one environment of `longHistory` versions and
 *   `mixedUpdates` updates of description, metadata, packages and networking
 *   spread over the others, then (Sandbase) some archived and some deleted:
 *   the log the rebuild replays, and the long history of an update.
 */
import { load, HttpRequest } from './load';
import { ServerProcess } from './processes';
import type { ServerName, Target } from './servers';
import type { Store } from './stores';

export interface SeedSizes {
  environments: number;
  updateSet: number;
  listDepth: number;
  listLimit: number;
  longHistory: number;
  mixedUpdates: number;
}

export interface Templates {
  /** The bytes of a migrated database with nothing but the API key: the baseline of the byte counts. */
  empty?: { bytes: number };
  small?: { store: Store; bytes: number; ids: string[] };
  large?: { store: Store; bytes: number; ids: string[]; deepCursor: string };
  history?: { store: Store; bytes: number; longId: string; events: number };
}

export const createBody = (name: string) =>
  JSON.stringify({
    name,
    description: 'benchmark environment',
    metadata: { team: 'ml', tier: 'standard' },
    config: { type: 'cloud', packages: { pip: ['pandas', 'numpy'] } },
  });

/** An update that always changes something (an update that changes nothing records no version). */
export const updateBody = (n: number) => JSON.stringify({ description: `revision ${n}`, metadata: { revision: String(n) } });

/** The updates of the history: each kind of change, in turn. */
function mixedBody(n: number): string {
  switch (n % 5) {
    case 0:
      return JSON.stringify({ description: `mixed ${n}` });
    case 1:
      return JSON.stringify({ metadata: { [`k${n % 7}`]: String(n), tier: n % 2 ? null : 'gold' } });
    case 2:
      return JSON.stringify({ config: { type: 'cloud', packages: { pip: [`pkg-${n % 11}`], npm: n % 3 ? [] : ['left-pad'] } } });
    case 3:
      return JSON.stringify({
        config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['api.example.com', `h${n % 5}.example.org`], allow_package_managers: true } },
      });
    default:
      return JSON.stringify({ config: { type: 'cloud', networking: { type: 'unrestricted' } }, name: `renamed-${n}` });
  }
}

/** Creates `count` environments, `connections` at a time; their ids in the order of the answers. */
export async function createMany(server: ServerProcess, apiKey: string, count: number, tag: string, connections = 32): Promise<string[]> {
  const ids: string[] = [];
  const failures: string[] = [];
  let n = 0;
  // A request lost to a connection error (no answer) is sent again; a refusal (an answer other than 200) is not.
  for (let attempt = 0; attempt < 3 && ids.length < count && !failures.length; attempt++) {
    const missing = count - ids.length;
    const result = await load({
      url: server.url,
      apiKey,
      connections: Math.min(connections, missing),
      amount: missing,
      next: () => ({ method: 'POST', path: '/v1/environments', body: createBody(`${tag}-${n++}`) }),
      onBody: (status, body) => (status === 200 ? ids.push((JSON.parse(body) as { id: string }).id) : failures.push(`${status} ${body}`)),
    });
    if (result.firstError && !failures.length) console.error(`  (${server.label}: ${result.failed} create(s) got no answer: ${result.firstError}; sending them again)`);
  }
  if (ids.length !== count) throw new Error(`seeding ${server.label}: ${ids.length} of ${count} creates succeeded; first failure: ${failures[0]}`);
  return ids;
}

/** Sends each request of `requests` once, `connections` at a time; throws unless all succeed. */
export async function sendAll(server: ServerProcess, apiKey: string, requests: HttpRequest[], connections: number): Promise<void> {
  if (!requests.length) return;
  let i = 0;
  const failures: string[] = [];
  const result = await load({
    url: server.url,
    apiKey,
    connections: Math.min(connections, requests.length),
    amount: requests.length,
    next: () => requests[i++ % requests.length],
    onBody: (status, body) => void (status === 200 || failures.push(`${status} ${body}`)),
  });
  if (result.failed) {
    throw new Error(`seeding ${server.label}: ${result.failed} of ${requests.length} requests failed; first: ${failures[0] ?? result.firstError}`);
  }
}

/** The `next_page` cursor after `depth` rows of the list (newest first), found by walking the pages. */
export async function cursorAt(server: ServerProcess, apiKey: string, depth: number, limit: number): Promise<string> {
  let page = '';
  for (let seen = 0; seen < depth; seen += limit) {
    const response = await fetch(`${server.url}/v1/environments?limit=${limit}${page ? `&page=${page}` : ''}`, { headers: { 'x-api-key': apiKey } });
    const body = (await response.json()) as { data: unknown[]; next_page?: string };
    if (response.status !== 200 || !body.next_page) throw new Error(`walking the list of ${server.label}: no next_page after ${seen} rows`);
    page = body.next_page;
  }
  return page;
}

export interface SeedContext {
  target: Target;
  apiKey: string;
  sizes: SeedSizes;
  logFile: (label: string) => string;
  log: (line: string) => void;
}

async function seeded<T>(ctx: SeedContext, store: Store, key: keyof Templates, label: string, work: (server: ServerProcess) => Promise<T>): Promise<T & { bytes: number }> {
  const started = Date.now();
  const server = await ctx.target.start(store, ctx.logFile(`seed-${key}-${ctx.target.name}`));
  let out: T;
  try {
    out = await work(server);
  } finally {
    await server.stop();
  }
  const bytes = await store.bytes();
  ctx.log(`  ${ctx.target.name}: ${label} seeded in ${((Date.now() - started) / 1000).toFixed(1)} s, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
  return { ...out!, bytes };
}

export async function buildTemplates(ctx: SeedContext, need: { empty: boolean; small: boolean; large: boolean; history: boolean }): Promise<Templates> {
  const { sizes, apiKey } = ctx;
  const name: ServerName = ctx.target.name;
  const templates: Templates = {};
  if (!need.empty && !need.small && !need.large && !need.history) return templates;
  const smallStore = await ctx.target.newStore('small');
  const small = {
    store: smallStore,
    ...(await seeded(ctx, smallStore, 'small', `${sizes.updateSet} environments`, async (server) => {
      // The server has migrated the new database and created its key, and is idle: the empty baseline.
      if (need.empty) templates.empty = { bytes: await smallStore.bytes() };
      return { ids: await createMany(server, apiKey, sizes.updateSet, 'seed', 64) };
    })),
  };
  templates.small = small;
  if (need.large) {
    const store = await small.store.clone('large');
    const more = sizes.environments - sizes.updateSet;
    templates.large = {
      store,
      ...(await seeded(ctx, store, 'large', `${sizes.environments} environments`, async (server) => {
        const ids = [...small.ids, ...(await createMany(server, apiKey, more, 'seed-more', 64))];
        return { ids, deepCursor: await cursorAt(server, apiKey, sizes.listDepth, sizes.listLimit) };
      })),
    };
  }
  if (need.history) {
    const store = await small.store.clone('history');
    templates.history = {
      store,
      ...(await seeded(ctx, store, 'history', `history (${sizes.longHistory} versions of one, ${sizes.mixedUpdates} mixed updates)`, async (server) => {
        const [longId] = await createMany(server, apiKey, 1, 'long-history');
        const path = `/v1/environments/${longId}`;
        const long = Array.from({ length: sizes.longHistory - 1 }, (_, n): HttpRequest => ({ method: 'POST', path, body: updateBody(n) }));
        await sendAll(server, apiKey, long, 4);
        const ids = small.ids;
        const mixed = Array.from({ length: sizes.mixedUpdates }, (_, n): HttpRequest => ({
          method: 'POST',
          path: `/v1/environments/${ids[(n * 7919) % ids.length]}`,
          body: mixedBody(n),
        }));
        await sendAll(server, apiKey, mixed, 32);
        // Archives and deletes are part of a real log (the reference has neither route).
        const ends: HttpRequest[] =
          name === 'sandbase'
            ? ids.flatMap((id, n): HttpRequest[] =>
                n % 20 === 0 ? [{ method: 'POST', path: `/v1/environments/${id}/archive` }] : n % 20 === 1 ? [{ method: 'DELETE', path: `/v1/environments/${id}` }] : [],
              )
            : [];
        await sendAll(server, apiKey, ends, 32);
        return { longId, events: 1 + long.length + mixed.length + ends.length };
      })),
    };
  }
  return templates;
}

export async function dropTemplates(templates: Templates): Promise<void> {
  for (const template of [templates.small, templates.large, templates.history]) await template?.store.drop();
}
