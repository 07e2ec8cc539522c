import { listOrder } from '../support/ordering';
import { pick as pickWith } from '../support/random';
import { http, startTestApp, TestApp } from '../support/test-app';

/**
 * Keyset pagination under concurrent writes: walking every page while another
 * client creates, updates, archives and deletes environments never returns an
 * environment twice and never skips one that existed, unchanged in
 * visibility, for the whole walk.
 */
jest.setTimeout(300_000);

interface Listed {
  id: string;
  name: string;
  created_at: string;
  archived_at: string | null;
}

const INITIAL = 500;
/** Every fifth initial environment (spread over the whole list) may be changed; the other 400 are never touched. */
const isChurn = (index: number): boolean => index % 5 === 0;
const pick = <T>(items: readonly T[]): T => pickWith(Math.random, items);

describe('walking every page while others write', () => {
  let t: TestApp;
  let key: string;
  const untouched: string[] = [];
  /** Environments the churn loop may archive, delete or update (the churn subset plus those it creates). */
  const churnPool: string[] = [];
  const archived = new Set<string>();
  const deleted = new Set<string>();
  let created = 0;

  async function createEnvironment(name: string): Promise<Listed> {
    const response = await http(t, 'POST', '/v1/environments', { body: { name }, key });
    expect(response.status).toBe(200);
    return response.body;
  }

  async function archive(id: string): Promise<void> {
    archived.add(id);
    const response = await http(t, 'POST', `/v1/environments/${id}/archive`, { key });
    expect(response.status).toBe(200);
  }

  async function remove(id: string): Promise<void> {
    deleted.add(id);
    const response = await http(t, 'DELETE', `/v1/environments/${id}`, { key });
    expect(response.status).toBe(200);
  }

  /**
   * Another client writing until `stop()` says so. Every id whose visibility it
   * is about to change (for the walk's filter) goes into `visibilityChanged`
   * before the request is sent. `onOperation` fires after each write.
   */
  async function churn(options: {
    stop: () => boolean;
    archiveChangesVisibility: boolean;
    visibilityChanged: Set<string>;
    onOperation: () => void;
  }): Promise<number> {
    let operations = 0;
    while (!options.stop()) {
      const live = churnPool.filter((id) => !deleted.has(id));
      const active = live.filter((id) => !archived.has(id));
      switch (operations % 4) {
        case 0: {
          const env = await createEnvironment(`churn-new-${++created}`);
          churnPool.push(env.id);
          break;
        }
        case 1: {
          if (!active.length) break;
          const id = pick(active);
          if (options.archiveChangesVisibility) options.visibilityChanged.add(id);
          await archive(id);
          break;
        }
        case 2: {
          if (!live.length) break;
          const id = pick(live);
          options.visibilityChanged.add(id);
          await remove(id);
          break;
        }
        default: {
          // An update changes updated_at, never created_at: the environment keeps its place and its visibility.
          if (!active.length) break;
          const id = pick(active);
          const response = await http(t, 'POST', `/v1/environments/${id}`, {
            body: { description: `updated during the walk (${operations})`, metadata: { touched: String(operations) } },
            key,
          });
          expect(response.status).toBe(200);
        }
      }
      operations++;
      options.onOperation();
    }
    return operations;
  }

  /**
   * Walks every page of the list while the churn loop runs, and waits for at
   * least one more write between consecutive pages, so that every page is
   * read after some concurrent change.
   */
  async function walkWhileChurning(options: { limit: number; includeArchived: boolean }) {
    const visibilityChanged = new Set<string>();
    let writes = 0;
    let walkDone = false;
    let churnFailure: unknown;
    let wake: (() => void) | undefined;
    const notify = () => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    const untilWrites = async (count: number) => {
      while (writes < count) {
        if (churnFailure !== undefined) throw churnFailure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };

    const churning = churn({
      stop: () => walkDone,
      archiveChangesVisibility: !options.includeArchived,
      visibilityChanged,
      onOperation: () => {
        writes++;
        notify();
      },
    }).catch((error) => {
      churnFailure = error;
      notify();
      throw error;
    });

    const walking = (async () => {
      const returned: Listed[] = [];
      const pageSizes: number[] = [];
      let cursor: string | undefined;
      do {
        const query = new URLSearchParams({ limit: String(options.limit), include_archived: String(options.includeArchived) });
        if (cursor) query.set('page', cursor);
        const writesBefore = writes;
        const response = await http(t, 'GET', `/v1/environments?${query}`, { key });
        expect(response.status).toBe(200);
        const data: Listed[] = response.body.data;
        cursor = response.body.next_page;
        if (cursor !== undefined) expect(data).toHaveLength(options.limit);
        returned.push(...data);
        pageSizes.push(data.length);
        if (cursor) await untilWrites(writesBefore + 1);
      } while (cursor);
      return { returned, pageSizes };
    })().finally(() => {
      walkDone = true;
    });

    const [walk, operations] = await Promise.all([walking, churning]);
    return { ...walk, operations, visibilityChanged };
  }

  function expectEachOnce(returned: Listed[], ids: Iterable<string>) {
    const counts = new Map<string, number>();
    for (const env of returned) counts.set(env.id, (counts.get(env.id) ?? 0) + 1);
    const missing: string[] = [];
    const repeated: string[] = [];
    for (const id of ids) {
      const count = counts.get(id) ?? 0;
      if (count === 0) missing.push(id);
      if (count > 1) repeated.push(id);
    }
    expect({ missing, repeated }).toEqual({ missing: [], repeated: [] });
  }

  function expectNoDuplicatesInOrder(returned: Listed[]) {
    const ids = returned.map((env) => env.id);
    const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
    expect(duplicates).toEqual([]);
    for (let i = 1; i < returned.length; i++) {
      if (listOrder(returned[i - 1], returned[i]) >= 0) {
        throw new Error(`list out of order at ${i}: ${JSON.stringify(returned[i - 1])} before ${JSON.stringify(returned[i])}`);
      }
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.createKey('pagination-org')).key;
    // 500 environments, created in simultaneous batches so that created_at ties occur and ids break them.
    const all: Listed[] = [];
    for (let batch = 0; batch < INITIAL / 50; batch++) {
      all.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => createEnvironment(`initial-${batch}-${i}`)))));
    }
    expect(new Set(all.map((env) => env.id)).size).toBe(INITIAL);
    all.forEach((env, index) => (isChurn(index) ? churnPool : untouched).push(env.id));
    expect(untouched).toHaveLength(400);
    // Some of the churn subset are archived or deleted before any walk starts.
    for (const id of churnPool.slice(0, 10)) await archive(id);
    for (const id of churnPool.slice(10, 20)) await remove(id);
  });
  afterAll(async () => {
    await t.close();
  });

  it('default listing: no environment twice, every one visible for the whole walk exactly once', async () => {
    const archivedBefore = new Set(archived);
    const deletedBefore = new Set(deleted);
    const initialChurn = [...churnPool];

    const { returned, operations, visibilityChanged } = await walkWhileChurning({ limit: 25, includeArchived: false });

    expect(operations).toBeGreaterThan(0);
    expectNoDuplicatesInOrder(returned);
    // Every untouched environment, and every churn environment whose visibility did not change, exactly once.
    expectEachOnce(returned, untouched);
    const steady = initialChurn.filter(
      (id) => !archivedBefore.has(id) && !deletedBefore.has(id) && !visibilityChanged.has(id),
    );
    expectEachOnce(returned, steady);
    // Nothing that was invisible for the whole walk (archived or deleted before it, and not touched since) shows up.
    const returnedIds = new Set(returned.map((env) => env.id));
    const invisible = initialChurn.filter((id) => (archivedBefore.has(id) || deletedBefore.has(id)) && !visibilityChanged.has(id));
    expect(invisible.filter((id) => returnedIds.has(id))).toEqual([]);
    for (const env of returned) expect(env.archived_at === null || visibilityChanged.has(env.id)).toBe(true);
  });

  it('include_archived=true: archiving during the walk changes nothing, deleting never duplicates', async () => {
    const deletedBefore = new Set(deleted);
    const existing = churnPool.filter((id) => !deletedBefore.has(id));

    const { returned, operations, visibilityChanged } = await walkWhileChurning({ limit: 40, includeArchived: true });

    expect(operations).toBeGreaterThan(0);
    expectNoDuplicatesInOrder(returned);
    expectEachOnce(returned, untouched);
    // Archived before or during the walk, updated, or created during the first walk: all visible throughout.
    expectEachOnce(
      returned,
      existing.filter((id) => !visibilityChanged.has(id)),
    );
    const returnedIds = new Set(returned.map((env) => env.id));
    expect([...deletedBefore].filter((id) => returnedIds.has(id))).toEqual([]);
    expect(returned.some((env) => env.archived_at !== null)).toBe(true);
  });

  it('after the writers stop, one more walk returns exactly the environments that exist', async () => {
    const expected = [...untouched, ...churnPool.filter((id) => !deleted.has(id))];
    const returned: Listed[] = [];
    let cursor: string | undefined;
    do {
      const response = await http(t, 'GET', `/v1/environments?limit=100&include_archived=true${cursor ? `&page=${cursor}` : ''}`, {
        key,
      });
      expect(response.status).toBe(200);
      returned.push(...response.body.data);
      cursor = response.body.next_page;
    } while (cursor);
    expectNoDuplicatesInOrder(returned);
    expect(returned.map((env) => env.id).sort()).toEqual(expected.sort());
    const active = returned.filter((env) => env.archived_at === null).map((env) => env.id);
    expect(active.sort()).toEqual(expected.filter((id) => !archived.has(id)).sort());
  });
});
