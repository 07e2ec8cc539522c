import { Database, Sql } from '../../src/database/database';
import { appendToStream, LOG_START, LogCheckpoint, lockOrganizationLog, readAllBatch } from '../../src/event-store/event-store';
import { usingPostgres } from '../support/database';
import { openTestDatabase } from '../support/open-database';
import { sql } from '../../src/database/sql';

/**
 * Followers of the whole log (rebuilds, exports) must never skip an event
 * whose transaction commits after a later-numbered one. On PostgreSQL a
 * transaction holds position N open while others commit N+1, N+2...
 */
const metadata = (organization: string) => ({
  organization_id: organization,
  actor: { type: 'cli_actor' as const, name: 'test' },
  request_id: null,
  schema_version: 1,
});

async function append(tx: Sql, organization: string, stream: string, version: number): Promise<number> {
  await lockOrganizationLog(tx, organization);
  const stored = await appendToStream(
    tx,
    stream,
    version - 1,
    [{ event_id: `${stream}-${version}`, event: { type: 'Test', data: { n: version } } }],
    metadata(organization),
    new Date().toISOString(),
  );
  return stored[0].position;
}

async function follow(db: Database, from: LogCheckpoint): Promise<{ ids: string[]; checkpoint: LogCheckpoint }> {
  const ids: string[] = [];
  let checkpoint = from;
  for (;;) {
    const batch = await readAllBatch(db, checkpoint, 2);
    if (!batch.events.length) return { ids, checkpoint };
    ids.push(...batch.events.map((e) => e.event_id));
    checkpoint = batch.checkpoints[batch.checkpoints.length - 1];
  }
}

describe('following the log while a transaction holds an earlier position open', () => {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => ({ db, close } = await openTestDatabase()));
  afterAll(async () => close());

  (usingPostgres() ? it : it.skip)(
    'PostgreSQL: a follower waits for the open transaction and then sees every event exactly once',
    async () => {
      await db.transaction((tx) => append(tx, 'org_a', 'stream-a', 1));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let heldPosition = 0;
      let positioned!: () => void;
      const hasPosition = new Promise<void>((r) => (positioned = r));
      const slow = db.transaction(async (tx) => {
        heldPosition = await append(tx, 'org_a', 'stream-a', 2);
        positioned();
        await held;
      });
      await hasPosition;
      // Other organizations commit later-numbered events meanwhile.
      const later: number[] = [];
      for (let i = 1; i <= 3; i++) later.push(await db.transaction((tx) => append(tx, 'org_b', `stream-b${i}`, 1)));
      expect(Math.min(...later)).toBeGreaterThan(heldPosition);

      // A naive follower by position alone passes the gap and would never come back for it.
      const naive = await db.query<{ event_id: string; position: string }>(sql`SELECT event_id, position FROM events ORDER BY position`);
      expect(naive.map((e) => e.event_id)).not.toContain('stream-a-2');
      expect(Number(naive[naive.length - 1].position)).toBeGreaterThan(heldPosition);

      const first = await follow(db, LOG_START);
      expect(first.ids).toEqual(['stream-a-1']);

      release();
      await slow;
      const rest = await follow(db, first.checkpoint);
      const all = [...first.ids, ...rest.ids];
      expect(all.sort()).toEqual(['stream-a-1', 'stream-a-2', 'stream-b1-1', 'stream-b2-1', 'stream-b3-1']);
      expect(new Set(all).size).toBe(all.length);
      // In transaction id order: the held append took its id before the later commits, so it comes first.
      expect(rest.ids).toEqual(['stream-a-2', 'stream-b1-1', 'stream-b2-1', 'stream-b3-1']);
    },
  );

  (usingPostgres() ? it.skip : it)('SQLite: one writer at a time, so the log is followed in position order without gaps', async () => {
    for (let i = 1; i <= 5; i++) await db.transaction((tx) => append(tx, i % 2 ? 'org_a' : 'org_b', `s${i}`, 1));
    const { ids } = await follow(db, LOG_START);
    expect(ids).toEqual(['s1-1', 's2-1', 's3-1', 's4-1', 's5-1']);
  });
});
