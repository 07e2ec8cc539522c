import { Database, sql } from '../../src/database/database';
import type { EnvironmentCommand } from '../../src/environments/domain/decider';
import { projectEvents } from '../../src/environments/projections/environment.projector';
import { findEnvironment } from '../../src/environments/projections/environments.read-model';
import { rebuildProjections, verifyProjections } from '../../src/projections';
import { openTestDatabase } from '../support/open-database';
import { commands, decideAndAppend, instant, readModels } from './support/store';

const ORG = 'org_projections';
const [A, B] = ['env_aaaaaaaaaaaaaaaaaaaaaaaa', 'env_bbbbbbbbbbbbbbbbbbbbbbbb'];

/**
 * A rebuild replays the bulk of the log while the service goes on writing,
 * then swaps its result in under the write lock: whatever another connection
 * committed in between (events appended and projected inline, rows changed
 * by hand) must be in the result, as if the rebuild had started after it.
 */
describe('a rebuild while another connection writes', () => {
  let db: Database;
  let other: Database;
  let close: () => Promise<void>;
  let n = 0;

  /** A command as the write path runs it, on `on`: decide, append, project inline. */
  async function run(on: Database, command: EnvironmentCommand): Promise<void> {
    await on.transaction(async (tx) => {
      const state = command.type === 'CreateEnvironment' ? null : await findEnvironment(tx, ORG, command.data.environment_id);
      await projectEvents(tx, await decideAndAppend(tx, command, state), state);
    });
  }

  /** Rebuilds, running `meanwhile` on the other connection once, after the first batch of the bulk replay. */
  async function rebuildWhile(meanwhile: () => Promise<unknown>) {
    let ran = false;
    return rebuildProjections(db, {
      onProgress: async () => {
        if (ran) return;
        ran = true;
        await meanwhile();
      },
    });
  }

  beforeAll(async () => {
    const opened = await openTestDatabase();
    db = opened.db;
    other = await Database.open(opened.database.config, { migrate: false });
    close = async () => {
      await other.close();
      await opened.close();
    };
    await run(db, commands.create(A, { name: 'a', description: 'first' }, instant(++n)));
    await run(db, commands.create(B, { name: 'b' }, instant(++n)));
    await run(db, commands.update(A, { description: 'second' }, instant(++n)));
  });
  afterAll(async () => close());

  const eventCount = async () => Number((await db.query<{ n: number | string }>(sql`SELECT COUNT(*) AS n FROM events`))[0].n);

  it('includes the events appended (and projected inline) during the bulk replay', async () => {
    const report = await rebuildWhile(() => run(other, commands.update(B, { description: 'written meanwhile' }, instant(++n))));
    expect(report).toMatchObject({ events: await eventCount(), environments: 2, versions: await eventCount() });
    expect(await findEnvironment(db, ORG, B)).toMatchObject({ description: 'written meanwhile', version: 2 });
    expect((await verifyProjections(db)).differences).toEqual([]);
  });

  it('repairs the rows changed by hand during the bulk replay', async () => {
    const right = await readModels(db);
    const [first] = await db.query<{ event_position: number | string }>(sql`SELECT event_position FROM environment_versions ORDER BY event_position LIMIT 1`);
    await rebuildWhile(async () => {
      await other.execute(sql`UPDATE environment_versions SET request_id = 'edited' WHERE event_position = ${first.event_position}`);
      await other.execute(sql`UPDATE environments SET description = 'edited' WHERE id = ${A}`);
    });
    expect(await readModels(db)).toEqual(right);
    expect((await verifyProjections(db)).differences).toEqual([]);
  });

  it('repairs the rows changed by hand before it started', async () => {
    const right = await readModels(db);
    const [first] = await db.query<{ event_position: number | string }>(sql`SELECT event_position FROM environment_versions ORDER BY event_position LIMIT 1`);
    await db.execute(sql`DELETE FROM environment_versions WHERE event_position = ${first.event_position}`);
    await db.execute(sql`UPDATE environment_versions SET previous = '{"edited":true}' WHERE event_position > ${first.event_position}`);
    expect((await verifyProjections(db)).differences.length).toBeGreaterThan(1);
    await rebuildProjections(db);
    expect(await readModels(db)).toEqual(right);
    expect((await verifyProjections(db)).differences).toEqual([]);
  });
});
