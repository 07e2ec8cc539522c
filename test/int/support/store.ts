import { Sql, sql } from '../../../src/database/database';
import { appendToStream, EventMetadata, lockOrganizationLog, StoredEvent } from '../../../src/event-store/event-store';
import { decide, DeciderState, EnvironmentCommand } from '../../../src/environments/domain/decider';
import type { EnvironmentEvent } from '../../../src/environments/domain/events';
import { streamIdFor } from '../../../src/environments/domain/events';
import type { EnvironmentInput } from '../../../src/environments/domain/inputs';
import { environmentsTable, environmentVersionsTable } from '../../../src/environments/projections/tables';

/** Metadata of an operator's event in `organization`. */
export function metadataOf(organization: string): EventMetadata {
  return { organization_id: organization, actor: { type: 'cli_actor', name: 'test' }, request_id: null, schema_version: 1 };
}

/** Instants one second apart from a fixed start: time never comes from the clock in these specs. */
export function instant(n: number): string {
  return new Date(Date.parse('2026-06-01T00:00:00.000Z') + n * 1000).toISOString();
}

/** Appends a test event to `stream` at `version` (the version it will have), as the write path does. */
export async function appendOne(tx: Sql, organization: string, stream: string, version: number, at = instant(version)): Promise<StoredEvent> {
  await lockOrganizationLog(tx, organization);
  const [stored] = await appendToStream(
    tx,
    stream,
    version - 1,
    [{ event_id: `evt_${stream}_${version}`, event: { type: 'Test', data: { n: version } } }],
    metadataOf(organization),
    at,
  );
  return stored;
}

/** Commands of one organization for the projection specs, decided against the state they are given. */
export const commands = {
  create: (id: string, input: EnvironmentInput, now: string): EnvironmentCommand => ({
    type: 'CreateEnvironment',
    data: { environment_id: id, organization_id: 'org_projections', input },
    metadata: { now },
  }),
  update: (id: string, input: EnvironmentInput, now: string): EnvironmentCommand => ({
    type: 'UpdateEnvironment',
    data: { environment_id: id, input },
    metadata: { now },
  }),
  archive: (id: string, now: string): EnvironmentCommand => ({ type: 'ArchiveEnvironment', data: { environment_id: id }, metadata: { now } }),
  delete: (id: string, now: string): EnvironmentCommand => ({ type: 'DeleteEnvironment', data: { environment_id: id }, metadata: { now } }),
};

/** Decides `command` against `state` and appends its events to the log (no projection). */
export async function decideAndAppend(tx: Sql, command: EnvironmentCommand, state: DeciderState): Promise<StoredEvent<EnvironmentEvent>[]> {
  const id = command.data.environment_id;
  await lockOrganizationLog(tx, 'org_projections');
  const events = decide(command, state);
  return appendToStream(
    tx,
    streamIdFor(id),
    state?.version ?? 0,
    events.map((event, i) => ({ event_id: `evt_${id}_${(state?.version ?? 0) + i + 1}`, event })),
    metadataOf('org_projections'),
    command.metadata.now,
  );
}

/** Both read models, decoded alike on either database, in id order. */
export async function readModels(db: Sql): Promise<{ environments: unknown[]; versions: unknown[] }> {
  const read = async (table: typeof environmentsTable | typeof environmentVersionsTable) =>
    (await db.query(sql`SELECT ${table.columnList} FROM ${table.ref} ORDER BY id`)).map((row) => table.decode(row));
  return { environments: await read(environmentsTable), versions: await read(environmentVersionsTable) };
}
