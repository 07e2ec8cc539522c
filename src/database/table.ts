import { jsonOf, timestampOf } from '../common/rows';
import { sql, SqlFragment } from './sql';

/**
 * A table as the code sees it, declared once beside the code that owns it:
 * its columns and their kinds (how values are written, read back and
 * compared on either database), its primary key and its unique constraints.
 * The migrations create the tables; a declaration renders column lists,
 * multi-row inserts and scratch copies, and names the unique constraints for
 * drivers whose errors name only columns.
 */
export type ColumnKind = 'id' | 'text' | 'integer' | 'bigint' | 'timestamp' | 'json';
/** A trailing `?` allows NULL. */
export type ColumnSpec = ColumnKind | `${ColumnKind}?`;

export interface TableDeclaration<C extends string = string> {
  name: string;
  columns: Readonly<Record<C, ColumnSpec>>;
  primaryKey: C;
  /** Constraint (or unique index) name to its columns, in declaration order. */
  unique?: Readonly<Record<string, readonly C[]>>;
}

export interface Table<C extends string = string> extends TableDeclaration<C> {
  /** Every column, in declaration order. */
  readonly columnNames: readonly C[];
  /** `a, b, c`: every column, for SELECT and INSERT lists. */
  readonly columnList: SqlFragment;
  readonly ref: SqlFragment;
  kindOf(column: C): ColumnKind;
  nullable(column: C): boolean;
  /** A row as read from either database, alike: timestamps as RFC 3339 text, JSON parsed, numbers as numbers. */
  decode(row: Readonly<Record<string, unknown>>): Record<C, unknown>;
  /** The values of a row in column order (or in `columns`' order), JSON columns encoded as text. */
  valuesOf(row: Readonly<Partial<Record<C, unknown>>>, columns?: readonly C[]): unknown[];
}

const declared: TableDeclaration[] = [];

/** Every table declared so far (adapters name constraints from these). */
export function declaredTables(): readonly TableDeclaration[] {
  return declared;
}

export function defineTable<C extends string>(declaration: {
  name: string;
  columns: Readonly<Record<C, ColumnSpec>>;
  primaryKey: NoInfer<C>;
  unique?: Readonly<Record<string, readonly NoInfer<C>[]>>;
}): Table<C> {
  const columnNames = Object.keys(declaration.columns) as C[];
  const kinds = new Map(columnNames.map((column) => [column, declaration.columns[column].replace('?', '') as ColumnKind]));
  const kindOf = (column: C) => kinds.get(column)!;
  const table: Table<C> = {
    ...declaration,
    columnNames,
    columnList: sql.identifiers(columnNames),
    ref: sql.raw(declaration.name),
    kindOf,
    nullable: (column) => declaration.columns[column].endsWith('?'),
    decode: (row) => Object.fromEntries(columnNames.map((column) => [column, decodeValue(kindOf(column), row[column])])) as Record<C, unknown>,
    valuesOf: (row, columns = columnNames) =>
      columns.map((column) => {
        const value = row[column];
        return kindOf(column) === 'json' && value !== null && value !== undefined ? JSON.stringify(value) : value;
      }),
  };
  if (!declared.some((t) => t.name === declaration.name)) declared.push(declaration as TableDeclaration);
  return table;
}

function decodeValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'timestamp':
      return timestampOf(value);
    case 'json':
      return jsonOf(value);
    case 'integer':
    case 'bigint':
      return Number(value);
    case 'id':
    case 'text':
      return String(value);
    default: {
      const unknownKind: never = kind;
      throw new Error(`Unhandled column kind ${String(unknownKind)}`);
    }
  }
}

/** Bound parameters per statement stay far below both databases' limits (SQLite: 32,766; PostgreSQL: 65,535). */
export const MAX_PARAMETERS = 3000;

/** Multi-row INSERTs of `rows` into `into` (default: the table itself), as few statements as the parameter limit allows. */
export function insertRows<C extends string>(
  table: Table<C>,
  rows: readonly Readonly<Record<C, unknown>>[],
  into: string = table.name,
): SqlFragment[] {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / table.columnNames.length));
  const statements: SqlFragment[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement).map((row) => sql.tuple(table.valuesOf(row)));
    statements.push(sql`INSERT INTO ${sql.raw(into)} (${table.columnList}) VALUES ${sql.join(chunk)}`);
  }
  return statements;
}

/**
 * One statement per row that inserts it into `into` (default: the table
 * itself) or, when a row with its primary key exists, replaces every other
 * column: a projection's write of an aggregate's latest state.
 */
export function upsertRows<C extends string>(
  table: Table<C>,
  rows: readonly Readonly<Record<C, unknown>>[],
  into: string = table.name,
): SqlFragment[] {
  const updates = sql.join(table.columnNames.filter((c) => c !== table.primaryKey).map((c) => sql.raw(`${c} = excluded.${c}`)));
  return rows.map(
    (row) =>
      sql`INSERT INTO ${sql.raw(into)} (${table.columnList}) VALUES ${sql.tuple(table.valuesOf(row))}
          ON CONFLICT (${sql.raw(table.primaryKey)}) DO UPDATE SET ${updates}`,
  );
}

/** `CREATE TEMPORARY TABLE name (...)` shaped like `table`, with the adapter's type for each kind of column; without its primary key unless `keyed`. */
export function scratchTableStatement(
  table: TableDeclaration,
  name: string,
  types: Readonly<Record<ColumnKind, string>>,
  keyed = true,
): SqlFragment {
  const columns = Object.entries(table.columns).map(([column, spec]) => {
    const kind = spec.replace('?', '') as ColumnKind;
    return `${column} ${types[kind]}${spec.endsWith('?') ? '' : ' NOT NULL'}`;
  });
  const constraints = [
    ...(keyed ? [`PRIMARY KEY (${table.primaryKey})`] : []),
    ...Object.entries(table.unique ?? {}).map(([constraint, unique]) => `CONSTRAINT ${constraint} UNIQUE (${unique.join(', ')})`),
  ];
  return sql.raw(`CREATE TEMPORARY TABLE ${name} (${[...columns, ...constraints].join(', ')})`);
}
