import { Database, sql } from '../../src/database/database';
import type { StoredEvent } from '../../src/event-store/event-store';
import { DeciderState, evolve } from '../../src/environments/domain/decider';
import type { EnvironmentEvent } from '../../src/environments/domain/events';
import { applyProjections, projectEvents } from '../../src/environments/projections/environment.projector';
import type { EvolvedEvent } from '../../src/environments/projections/projection';
import { rebuildProjections, verifyProjections } from '../../src/projections';
import { findEnvironment } from '../../src/environments/projections/environments.read-model';
import { LIVE_TABLES } from '../../src/environments/projections/tables';
import { usingPostgres } from '../support/database';
import { openTestDatabase } from '../support/open-database';
import { commands, decideAndAppend, instant, readModels } from './support/store';

const ORG = 'org_projections';
const [A, B, C] = ['env_aaaaaaaaaaaaaaaaaaaaaaaa', 'env_bbbbbbbbbbbbbbbbbbbbbbbb', 'env_cccccccccccccccccccccccc'];

/**
 * Each projection is one batch function: inline, every command's events are a
 * batch; a rebuild feeds the log in batches of 1,000. Both must write the
 * same rows.
 */
describe('projections', () => {
  let db: Database;
  let close: () => Promise<void>;
  const log: StoredEvent<EnvironmentEvent>[] = [];
  let inline: Awaited<ReturnType<typeof readModels>>;

  /** Runs a command the way the write path does: decide, append, project inline (a batch of this command's events). */
  async function run(command: Parameters<typeof decideAndAppend>[1]): Promise<DeciderState> {
    return db.transaction(async (tx) => {
      const state = command.type === 'CreateEnvironment' ? null : await findEnvironment(tx, ORG, command.data.environment_id);
      const stored = await decideAndAppend(tx, command, state);
      log.push(...stored);
      return projectEvents(tx, stored, state);
    });
  }

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase());
    let n = 0;
    await run(commands.create(A, { name: 'x', description: 'first', metadata: { team: 'a' } }, instant(++n)));
    await run(commands.create(B, { name: 'y' }, instant(++n)));
    await run(commands.create(C, { name: 'gone' }, instant(++n)));
    await run(commands.update(A, { description: 'second', metadata: { team: null, owner: 'me' } }, instant(++n)));
    // A and B swap names (through a third one), which a batch must write without a unique clash half-way.
    await run(commands.update(B, { name: 'z' }, instant(++n)));
    await run(commands.update(A, { name: 'y' }, instant(++n)));
    await run(commands.update(B, { name: 'x' }, instant(++n)));
    await run(commands.archive(B, instant(++n)));
    await run(commands.delete(C, instant(++n)));
    inline = await readModels(db);
  });
  afterAll(async () => close());

  it('keep one row per live environment, equal to the fold of its events', async () => {
    expect(inline.environments).toHaveLength(2);
    for (const id of [A, B]) {
      const fold = log.filter((e) => e.event.data.environment_id === id).reduce<DeciderState>((s, e) => evolve(s, e.event), null);
      expect(await findEnvironment(db, ORG, id)).toEqual(fold);
    }
    expect(await findEnvironment(db, ORG, A)).toMatchObject({ name: 'y', description: 'second', metadata: { owner: 'me' }, version: 3 });
    expect(await findEnvironment(db, ORG, B)).toMatchObject({ name: 'x', archived_at: instant(8), version: 4 });
  });

  it('remove the row of a deleted environment and keep its history', async () => {
    expect(await findEnvironment(db, ORG, C)).toBeNull();
    const versions = inline.versions.filter((v) => (v as { environment_id: string }).environment_id === C);
    expect(versions.map((v) => (v as { operation: string }).operation).sort()).toEqual(['created', 'deleted']);
    // The deletion keeps what it deleted: the environment as of the version before.
    expect(versions.find((v) => (v as { operation: string }).operation === 'deleted')).toMatchObject({
      previous: { id: C, name: 'gone', version: 1 },
      changes: [],
    });
  });

  it('write one version row per event, derived from the event and the states it found and produced', async () => {
    expect(inline.versions).toHaveLength(log.length);
    const created = inline.versions.find((v) => (v as { event_position: number }).event_position === log[0].position);
    expect(created).toMatchObject({
      organization_id: ORG,
      environment_id: A,
      version: 1,
      operation: 'created',
      created_at: instant(1),
      actor_type: 'cli_actor',
      api_key_id: null,
      request_id: null,
      previous: null,
    });
    const modified = inline.versions.find((v) => (v as { event_position: number }).event_position === log[3].position);
    expect(modified).toMatchObject({
      operation: 'modified',
      version: 2,
      changes: expect.arrayContaining([{ path: 'description', from: 'first', to: 'second' }]),
      previous: { id: A, name: 'x', description: 'first', version: 1 },
    });
  });

  it('write the same rows from the whole log as one batch as from a batch per command', async () => {
    await db.transaction(async (tx) => {
      await tx.execute(sql`DELETE FROM environments`);
      await tx.execute(sql`DELETE FROM environment_versions`);
      const states = new Map<string, DeciderState>();
      const evolved: EvolvedEvent[] = log.map((stored) => {
        const id = stored.event.data.environment_id;
        const before = states.get(id) ?? null;
        const after = evolve(before, stored.event);
        states.set(id, after);
        return { stored, before, after };
      });
      await applyProjections(tx, evolved, LIVE_TABLES);
    });
    expect(await readModels(db)).toEqual(inline);
  });

  it('are rebuilt from the log to the same rows, which verify finds equal', async () => {
    const report = await rebuildProjections(db);
    expect(report).toMatchObject({ events: log.length, environments: 2, versions: log.length });
    expect(await readModels(db)).toEqual(inline);
    expect(await verifyProjections(db)).toEqual({ events: log.length, rows_compared: 2 + log.length, differences: [], truncated: false });
  });

  it('are rebuilt to the same rows when the live ones were edited, removed or added behind the log, unique values swapped included', async () => {
    await db.transaction(async (tx) => {
      // A and B trade names (unique per organization): the rebuild must delete both before it writes either back.
      await tx.execute(sql`UPDATE environments SET name = 'swap' WHERE id = ${A}`);
      await tx.execute(sql`UPDATE environments SET name = 'y' WHERE id = ${B}`);
      await tx.execute(sql`UPDATE environments SET name = 'x' WHERE id = ${A}`);
      await tx.execute(sql`UPDATE environment_versions SET request_id = 'edited' WHERE event_position = ${log[3].position}`);
      await tx.execute(sql`DELETE FROM environment_versions WHERE event_position = ${log[0].position}`);
      await tx.execute(
        sql`INSERT INTO environment_versions (id, event_position, organization_id, environment_id, version, operation, created_at, actor_type, changes)
            SELECT 'envver_stray', 999999, organization_id, environment_id, 999, operation, created_at, actor_type, changes
            FROM environment_versions WHERE event_position = ${log[1].position}`,
      );
    });
    expect((await verifyProjections(db)).differences).toHaveLength(5);
    const report = await rebuildProjections(db);
    expect(report).toMatchObject({ events: log.length, environments: 2, versions: log.length });
    expect(await readModels(db)).toEqual(inline);
    expect((await verifyProjections(db)).differences).toEqual([]);
  });

  it('keep, through a rebuild, the live rows that are not derived from the log (a key from before key events)', async () => {
    const at = instant(1);
    await db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO organizations (id, name, created_at) VALUES (${ORG}, ${ORG}, ${at})`);
      await tx.execute(
        sql`INSERT INTO api_keys (id, organization_id, key_hash, key_hint, created_at, scope, version)
            VALUES ('apikey_old', ${ORG}, 'hash_old', 'old', ${at}, 'write', 0)`,
      );
    });
    await rebuildProjections(db);
    expect(await db.query(sql`SELECT id, version FROM api_keys`)).toEqual([{ id: 'apikey_old', version: 0 }]);
    expect((await verifyProjections(db)).differences).toEqual([]);
  });

  (usingPostgres() ? it.skip : it)('update in place only the columns a change sets, so that SQLite leaves the indexes on the others alone', async () => {
    const E = 'env_eeeeeeeeeeeeeeeeeeeeeeee';
    // SQLite rewrites an index entry when an UPDATE names one of its columns, even with the same value; so does an UPDATE OF trigger fire.
    await db.transaction(async (tx) => {
      await tx.execute(sql`CREATE TABLE test_named_columns (name TEXT NOT NULL)`);
      for (const column of ['name', 'archived_at', 'description']) {
        await tx.execute(sql.raw(`CREATE TRIGGER test_named_${column} AFTER UPDATE OF ${column} ON environments
          WHEN new.id = '${E}' BEGIN INSERT INTO test_named_columns VALUES ('${column}'); END`));
      }
    });
    const named = async () => (await db.query<{ name: string }>(sql`SELECT name FROM test_named_columns`)).map((row) => row.name);
    const clear = () => db.transaction((tx) => tx.execute(sql`DELETE FROM test_named_columns`));
    try {
      await run(commands.create(E, { name: 'columns' }, instant(200)));
      await run(commands.update(E, { description: 'set' }, instant(201)));
      expect(await named()).toEqual(['description']);
      await clear();
      await run(commands.update(E, { name: 'columns-renamed' }, instant(202)));
      expect(await named()).toEqual(['name']);
      await clear();
      await run(commands.archive(E, instant(203)));
      expect(await named()).toEqual(['archived_at']);
    } finally {
      await db.transaction(async (tx) => {
        for (const column of ['name', 'archived_at', 'description']) await tx.execute(sql.raw(`DROP TRIGGER test_named_${column}`));
        await tx.execute(sql`DROP TABLE test_named_columns`);
      });
    }
    // The rows updated in place are the ones the log derives.
    const live = await readModels(db);
    await rebuildProjections(db);
    expect(await readModels(db)).toEqual(live);
    expect((await verifyProjections(db)).differences).toEqual([]);
  });

  (usingPostgres() ? it.skip : it)('write no row in a rebuild when the live rows are what the log derives (SQLite, where it compares them in process)', async () => {
    const D = 'env_dddddddddddddddddddddddd';
    // Projected inline from the command's own events, whose objects are not in sorted key order.
    await run(commands.create(D, { name: 'w', description: 'fourth', metadata: { zeta: '1', alpha: '2' } }, instant(100)));
    await run(commands.update(D, { metadata: { beta: '3' } }, instant(101)));
    // The rebuild runs on the writer, as sessions do: SQLite counts every row it inserts, updates or deletes there.
    const changes = () => db.session(async (s) => Number((await s.query<{ n: number }>(sql`SELECT total_changes() AS n`))[0].n));
    const before = await changes();
    await rebuildProjections(db);
    expect((await changes()) - before).toBe(0);
    expect((await verifyProjections(db)).differences).toEqual([]);
  });
});
