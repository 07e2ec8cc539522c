/**
 * SQL composed with a tagged template, so every value sits next to its
 * placeholder: sql`SELECT id FROM environments WHERE id = ${id}`. A value is
 * always bound as a parameter; a fragment (another sql`...`, `sql.raw`,
 * `sql.join`, ...) is spliced in. The adapter renders the result for its
 * driver: `?` or `$n` placeholders, typed parameters, dialect syntax.
 */

/** Something the adapter renders in its own way: a bound value, or a piece of syntax. */
export type SqlPart =
  | { kind: 'value'; value: unknown }
  /** A bound instant (RFC 3339 text) compared with a timestamp column. */
  | { kind: 'timestamp'; value: string }
  /** A row lock on what a SELECT reads, where the database has row locks. */
  | { kind: 'for_update' }
  /** The log's commit-order key of an `events` row, as text (see Sql.followLog). */
  | { kind: 'commit_order' }
  /** A statement (or a piece of one) written differently for each database, where one form does not plan well on both. */
  | { kind: 'per_database'; sqlite: SqlFragment; postgres: SqlFragment };

export class SqlFragment {
  /** `texts.length === parts.length + 1`: text, part, text, part, ..., text. */
  constructor(
    readonly texts: readonly string[],
    readonly parts: readonly SqlPart[],
  ) {}
}

function fragmentOf(texts: readonly string[], values: readonly unknown[]): SqlFragment {
  const outTexts: string[] = [texts[0]];
  const parts: SqlPart[] = [];
  values.forEach((value, i) => {
    if (value instanceof SqlFragment) {
      outTexts[outTexts.length - 1] += value.texts[0];
      for (let j = 0; j < value.parts.length; j++) {
        parts.push(value.parts[j]);
        outTexts.push(value.texts[j + 1]);
      }
      outTexts[outTexts.length - 1] += texts[i + 1];
    } else {
      parts.push({ kind: 'value', value });
      outTexts.push(texts[i + 1]);
    }
  });
  return new SqlFragment(outTexts, parts);
}

const part = (p: SqlPart) => new SqlFragment(['', ''], [p]);

export const sql = Object.assign((strings: TemplateStringsArray, ...values: unknown[]) => fragmentOf(strings, values), {
  /** Trusted text spliced in as is: identifiers, table names, keywords. Never user input. */
  raw: (text: string) => new SqlFragment([text], []),
  empty: new SqlFragment([''], []),
  /** Fragments (or values, bound) separated by `separator` (trusted text). */
  join(items: readonly unknown[], separator = ', '): SqlFragment {
    if (items.length === 0) return sql.empty;
    return fragmentOf(['', ...items.slice(1).map(() => separator), ''], items);
  },
  /** `(?, ?, ?)`: a tuple of bound values, for `IN (...)` and `VALUES`. */
  tuple: (values: readonly unknown[]) => sql`(${sql.join(values)})`,
  /** Comma-separated trusted identifiers, e.g. a column list. */
  identifiers: (names: readonly string[]) => sql.raw(names.join(', ')),
  /** `fragment` when `condition` holds, else nothing. */
  when: (condition: boolean, fragment: () => SqlFragment) => (condition ? fragment() : sql.empty),
  /** A bound instant compared with a timestamp column (PostgreSQL casts it; SQLite compares text). */
  timestamp: (value: string) => part({ kind: 'timestamp', value }),
  /** ` FOR UPDATE` where the database locks rows (PostgreSQL); SQLite serializes writers instead. */
  forUpdate: part({ kind: 'for_update' }),
  /** The commit-order key of an events row as text (PostgreSQL: its transaction id; SQLite: '0', position order is commit order). */
  commitOrder: part({ kind: 'commit_order' }),
  /** The form of a statement for the database it runs on. */
  perDatabase: (forms: { sqlite: SqlFragment; postgres: SqlFragment }) => part({ kind: 'per_database', ...forms }),
});

/** How an adapter writes placeholders and syntax. */
export interface SqlDialect {
  readonly database: 'sqlite' | 'postgres';
  placeholder(index: number, part: Extract<SqlPart, { kind: 'value' | 'timestamp' }>): string;
  syntax(part: Extract<SqlPart, { kind: 'for_update' | 'commit_order' }>): string;
}

export interface RenderedSql {
  text: string;
  values: unknown[];
}

export function render(fragment: SqlFragment, dialect: SqlDialect): RenderedSql {
  const values: unknown[] = [];
  return { text: renderInto(fragment, dialect, values), values };
}

function renderInto(fragment: SqlFragment, dialect: SqlDialect, values: unknown[]): string {
  let text = fragment.texts[0];
  fragment.parts.forEach((p, i) => {
    if (p.kind === 'value' || p.kind === 'timestamp') {
      values.push(p.value);
      text += dialect.placeholder(values.length, p);
    } else if (p.kind === 'per_database') {
      text += renderInto(p[dialect.database], dialect, values);
    } else {
      text += dialect.syntax(p);
    }
    text += fragment.texts[i + 1];
  });
  return text;
}
