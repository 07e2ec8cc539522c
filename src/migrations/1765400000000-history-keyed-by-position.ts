import { MigrationInterface, QueryRunner } from 'typeorm';

/** The environments' history table, and the constraint of each of its two layouts that the other has not. */
const TABLE = 'environment_versions';
const POSITION_UNIQUE = 'environment_versions_position_unique';

/**
 * The history table's primary key is `event_position` instead of `id`. The
 * entry's id (`envver_<event id>`) is derived from its event and never looked
 * up, yet its index cost about 45 bytes per entry, and `event_position` had a
 * unique index of its own besides: the position's index is now the key, and
 * the id has none. On SQLite the table is rebuilt (it cannot change a key in
 * place); on PostgreSQL the primary key moves to the column. Each insert
 * maintains one index fewer. The entries, their ids and what the API answers
 * are unchanged.
 *
 * Not `event_position INTEGER PRIMARY KEY` on SQLite: the rowid itself would
 * need no index at all, but SQLite then no longer bounds an index range by
 * `(created_at, event_position) < (?, ?)`, and a deep page of the audit query
 * would cost more than the first (test/int/versions-query-plan.int.spec.ts).
 */
export class HistoryKeyedByPosition1765400000000 implements MigrationInterface {
  name = 'HistoryKeyedByPosition1765400000000';

  async up(runner: QueryRunner): Promise<void> {
    if (isPostgres(runner)) {
      await dropPrimaryKey(runner);
      await runner.query(`ALTER TABLE ${TABLE} DROP CONSTRAINT ${POSITION_UNIQUE}`);
      await runner.query(`ALTER TABLE ${TABLE} ADD CONSTRAINT ${TABLE}_pkey PRIMARY KEY (event_position)`);
    } else {
      await rebuildSqliteTable(runner, 'event_position');
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    if (isPostgres(runner)) {
      await dropPrimaryKey(runner);
      await runner.query(`ALTER TABLE ${TABLE} ADD CONSTRAINT ${TABLE}_pkey PRIMARY KEY (id)`);
      await runner.query(`ALTER TABLE ${TABLE} ADD CONSTRAINT ${POSITION_UNIQUE} UNIQUE (event_position)`);
    } else {
      await rebuildSqliteTable(runner, 'id');
    }
  }
}

function isPostgres(runner: QueryRunner): boolean {
  return runner.connection.options.type === 'postgres';
}

async function dropPrimaryKey(runner: QueryRunner): Promise<void> {
  const rows: { conname: string }[] = await runner.query(
    `SELECT conname FROM pg_constraint WHERE conrelid = '${TABLE}'::regclass AND contype = 'p'`,
  );
  for (const { conname } of rows) await runner.query(`ALTER TABLE ${TABLE} DROP CONSTRAINT "${conname}"`);
}

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
}

/**
 * SQLite cannot change a table's primary key in place: a new table with the
 * same columns, in the same order and with the same types, keyed by `key`
 * (`id`: the layout before, with `event_position` unique), takes every row;
 * the old one is dropped, the new one renamed, and the old one's own indexes
 * created again as they were.
 */
async function rebuildSqliteTable(runner: QueryRunner, key: 'event_position' | 'id'): Promise<void> {
  const columns: SqliteColumn[] = await runner.query(`PRAGMA table_info(${TABLE})`);
  const indexes: { sql: string }[] = await runner.query(
    `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '${TABLE}' AND sql IS NOT NULL`,
  );
  const keyed: Record<string, string> =
    key === 'event_position'
      ? { event_position: 'event_position bigint NOT NULL PRIMARY KEY', id: 'id TEXT NOT NULL' }
      : { event_position: 'event_position bigint NOT NULL', id: 'id TEXT PRIMARY KEY' };
  const definitions = columns.map((column) => keyed[column.name] ?? `${column.name} ${column.type}${column.notnull ? ' NOT NULL' : ''}`);
  const constraints = [
    ...(key === 'id' ? [`CONSTRAINT ${POSITION_UNIQUE} UNIQUE (event_position)`] : []),
    `CONSTRAINT ${TABLE}_env_version_unique UNIQUE (environment_id, version)`,
  ];
  const names = columns.map((column) => column.name).join(', ');
  await runner.query(`CREATE TABLE ${TABLE}_rekeyed (${[...definitions, ...constraints].join(', ')})`);
  await runner.query(`INSERT INTO ${TABLE}_rekeyed (${names}) SELECT ${names} FROM ${TABLE} ORDER BY event_position`);
  await runner.query(`DROP TABLE ${TABLE}`);
  await runner.query(`ALTER TABLE ${TABLE}_rekeyed RENAME TO ${TABLE}`);
  for (const index of indexes) await runner.query(index.sql);
}
