import { Database, sql } from '../../src/database/database';
import { appendToStream, LOG_START, lockOrganizationLog, readAllBatch, StreamVersionConflict } from '../../src/event-store/event-store';
import { chainHash, GENESIS_HASH } from '../../src/event-store/hash-chain';
import { chainHeadsTable, eventsTable } from '../../src/event-store/tables';
import { openTestDatabase } from '../support/open-database';
import { appendOne, instant, metadataOf } from './support/store';

/** The event store's operations on a real database (SQLite, or PostgreSQL with DATABASE_URL). */
describe('event store', () => {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => ({ db, close } = await openTestDatabase()));
  afterAll(async () => close());

  const head = async (organization: string) =>
    (await db.query(sql`SELECT ${chainHeadsTable.columnList} FROM ${chainHeadsTable.ref} WHERE organization_id = ${organization}`)).map(
      (row) => chainHeadsTable.decode(row),
    );
  const eventsOf = async (organization: string) =>
    (await db.query(sql`SELECT ${eventsTable.columnList} FROM ${eventsTable.ref} WHERE organization_id = ${organization} ORDER BY position`)).map(
      (row) => eventsTable.decode(row) as Record<string, unknown>,
    );

  describe('appendToStream', () => {
    it('appends a batch at the next versions and returns the stored events', async () => {
      const stored = await db.transaction(async (tx) => {
        await lockOrganizationLog(tx, 'org_append');
        return appendToStream(
          tx,
          'stream-append',
          0,
          [
            { event_id: 'evt_a1', event: { type: 'Test', data: { n: 1 } } },
            { event_id: 'evt_a2', event: { type: 'Test', data: { n: 2 } } },
          ],
          metadataOf('org_append'),
          instant(1),
        );
      });
      expect(stored.map((e) => [e.event_id, e.stream_version])).toEqual([
        ['evt_a1', 1],
        ['evt_a2', 2],
      ]);
      expect(stored[1].position).toBeGreaterThan(stored[0].position);
      const rows = await eventsOf('org_append');
      expect(rows.map((r) => [r.event_id, r.stream_version, r.data, r.recorded_at])).toEqual([
        ['evt_a1', 1, { n: 1 }, instant(1)],
        ['evt_a2', 2, { n: 2 }, instant(1)],
      ]);
      expect(rows[0].metadata).toEqual(metadataOf('org_append'));
    });

    it('refuses the same stream version twice with StreamVersionConflict, and keeps nothing of the loser', async () => {
      await db.transaction((tx) => appendOne(tx, 'org_conflict', 'stream-conflict', 1));
      const second = db.transaction((tx) =>
        appendToStream(tx, 'stream-conflict', 0, [{ event_id: 'evt_loser', event: { type: 'Test', data: {} } }], metadataOf('org_conflict'), instant(2)),
      );
      await expect(second).rejects.toBeInstanceOf(StreamVersionConflict);
      expect((await eventsOf('org_conflict')).map((r) => r.event_id)).toEqual(['evt_stream-conflict_1']);
      expect((await head('org_conflict'))[0]).toMatchObject({ chain_seq: 1 });
    });

    it('refuses a second event at the same place in the organization chain (a writer with a stale chain head)', async () => {
      await db.transaction((tx) => appendOne(tx, 'org_seq', 'stream-seq-1', 1));
      // As if another writer had read the head before the append above committed.
      await db.execute(sql`UPDATE ${chainHeadsTable.ref} SET chain_seq = 0 WHERE organization_id = 'org_seq'`);
      await expect(db.transaction((tx) => appendOne(tx, 'org_seq', 'stream-seq-2', 1))).rejects.toBeInstanceOf(StreamVersionConflict);
    });
  });

  describe('chain head', () => {
    it('is created by the first append, advanced by each later one, and links every event to the one before', async () => {
      expect(await head('org_chain')).toEqual([]);
      const first = await db.transaction((tx) => appendOne(tx, 'org_chain', 'stream-chain-a', 1));
      expect(await head('org_chain')).toEqual([
        { organization_id: 'org_chain', chain_seq: 1, hash: expect.any(String), event_position: first.position },
      ]);
      await db.transaction((tx) => appendOne(tx, 'org_chain', 'stream-chain-b', 1));
      const last = await db.transaction((tx) => appendOne(tx, 'org_chain', 'stream-chain-a', 2));
      const rows = await eventsOf('org_chain');
      expect(rows.map((r) => r.chain_seq)).toEqual([1, 2, 3]);
      let prev = GENESIS_HASH;
      for (const row of rows) {
        expect(row.prev_hash).toBe(prev);
        const { prev_hash, hash, position, ...content } = row;
        expect(chainHash(String(prev_hash), content as unknown as Parameters<typeof chainHash>[1])).toBe(hash);
        prev = String(hash);
      }
      expect(await head('org_chain')).toEqual([{ organization_id: 'org_chain', chain_seq: 3, hash: prev, event_position: last.position }]);
    });

    it('is one chain per organization', async () => {
      await db.transaction((tx) => appendOne(tx, 'org_chain_other', 'stream-other', 1));
      expect((await eventsOf('org_chain_other'))[0]).toMatchObject({ chain_seq: 1, prev_hash: GENESIS_HASH });
    });
  });

  describe('readAllBatch', () => {
    it('reads the whole log in order, in batches that resume at their last checkpoint', async () => {
      const all = (await db.query<{ event_id: string }>(sql`SELECT event_id FROM events ORDER BY position`)).map((r) => r.event_id);
      const seen: string[] = [];
      let checkpoint = LOG_START;
      for (;;) {
        const batch = await readAllBatch(db, checkpoint, 2);
        expect(batch.events.length).toBeLessThanOrEqual(2);
        expect(batch.checkpoints).toHaveLength(batch.events.length);
        if (!batch.events.length) break;
        seen.push(...batch.events.map((e) => e.event_id));
        checkpoint = batch.checkpoints[batch.checkpoints.length - 1];
        expect(checkpoint.position).toBe(batch.events[batch.events.length - 1].position);
      }
      expect(seen).toEqual(all);
      expect(seen.length).toBeGreaterThan(4);
    });

    it('decodes each event as it was appended', async () => {
      const { events } = await readAllBatch(db, LOG_START, 1);
      expect(events[0]).toEqual({
        position: expect.any(Number),
        event_id: 'evt_a1',
        stream_id: 'stream-append',
        stream_version: 1,
        event: { type: 'Test', data: { n: 1 } },
        metadata: metadataOf('org_append'),
        recorded_at: instant(1),
      });
    });
  });

  describe('lockOrganizationLog', () => {
    it('returns the time of the organization’s last event, or null before its first', async () => {
      expect(await db.transaction((tx) => lockOrganizationLog(tx, 'org_lock'))).toEqual({ lastRecordedAt: null });
      await db.transaction((tx) => appendOne(tx, 'org_lock', 'stream-lock', 1, instant(50)));
      expect(await db.transaction((tx) => lockOrganizationLog(tx, 'org_lock'))).toEqual({ lastRecordedAt: instant(50) });
    });

    it('holds a second appender of the same organization until the first commits', async () => {
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const firstLocked = new Promise<void>((resolve) => (locked = resolve));
      const first = db.transaction(async (tx) => {
        await lockOrganizationLog(tx, 'org_lock_wait');
        locked();
        await held;
        order.push('first commits');
      });
      await firstLocked;
      const second = db.transaction(async (tx) => {
        await lockOrganizationLog(tx, 'org_lock_wait');
        order.push('second locked');
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(order).toEqual([]);
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first commits', 'second locked']);
    });
  });
});
