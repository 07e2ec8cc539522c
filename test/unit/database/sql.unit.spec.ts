import { render, sql, SqlDialect } from '../../../src/database/sql';

const numbered = (database: SqlDialect['database']): SqlDialect => ({
  database,
  placeholder: (index) => `$${index}`,
  syntax: () => '',
});

describe('sql.perDatabase', () => {
  const statement = sql`SELECT ${1} AS a, ${sql.perDatabase({ sqlite: sql`${2} AS s`, postgres: sql`${3} AS p, ${4} AS q` })}, ${5} AS z`;

  it('renders the form of the database it runs on, its values bound in order among the others', () => {
    expect(render(statement, numbered('sqlite'))).toEqual({ text: 'SELECT $1 AS a, $2 AS s, $3 AS z', values: [1, 2, 5] });
    expect(render(statement, numbered('postgres'))).toEqual({ text: 'SELECT $1 AS a, $2 AS p, $3 AS q, $4 AS z', values: [1, 3, 4, 5] });
  });

  it('renders a form nested in another', () => {
    const nested = sql.perDatabase({ sqlite: sql`(${statement})`, postgres: sql`${6}` });
    expect(render(nested, numbered('sqlite'))).toEqual({ text: '(SELECT $1 AS a, $2 AS s, $3 AS z)', values: [1, 2, 5] });
    expect(render(nested, numbered('postgres'))).toEqual({ text: '$1', values: [6] });
  });
});
