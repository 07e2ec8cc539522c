/**
 * The organization-wide audit query filtered by api_key_id and a time range,
 * over 1,000,000 versions (10 organizations, 20 keys each, one year of
 * history). Measures the first page and a page deep in the filtered history,
 * and reports their ratio: keyset paging keeps a deep page as cheap as the
 * first. Run: npm run bench:audit  (DATABASE_URL=postgres://... for PostgreSQL);
 * `npm run bench` runs it too (scenario audit-query).
 */
import 'reflect-metadata';
import { sql } from '../src/database/database';
import { organizationVersionsQuery } from '../src/environments/projections/environment-versions.read-model';
import { benchDatabase, measure, ms } from './support';

const ORGS = 10;
const KEYS_PER_ORG = 20;
const START = Date.parse('2025-01-01T00:00:00.000Z');
const SPAN_MS = 365 * 24 * 3600 * 1000;

/** A constant of this script, written into the SQL text (for the planner, as the seeding always did). */
const literal = (value: number) => sql.raw(String(value));

export interface AuditQueryResult {
  database: string;
  versions: number;
  matching: number;
  seedSeconds: number;
  /** Medians and p95s in milliseconds. */
  first: { median: number; p95: number };
  deep: { median: number; p95: number };
  unfiltered: { median: number; p95: number };
  deepOverFirst: number;
}

/** Seeds `total` versions into a fresh database, then times the three queries (50 runs each, after 5 untimed). */
export async function auditQueryBench(total: number, log: (line: string) => void = console.log): Promise<AuditQueryResult> {
  const { db, close } = await benchDatabase();
  const started = Date.now();
  const changes = JSON.stringify([{ path: 'description', from: 'a', to: 'b' }]);
  if (db.label === 'postgres') {
    await db.execute(
      sql`INSERT INTO environment_versions (id, event_position, organization_id, environment_id, version, operation,
         created_at, actor_type, api_key_id, request_id, changes, previous)
       SELECT 'envver_' || lpad(g::text, 24, '0'), g, 'org_' || (g % ${literal(ORGS)}), 'env_' || lpad((g / 10)::text, 24, '0'),
              g % 10 + 1, CASE WHEN g % 10 = 0 THEN 'created' ELSE 'modified' END,
              to_timestamp((${literal(START)} + (g::float8 / ${literal(total)}) * ${literal(SPAN_MS)}) / 1000.0), 'api_actor',
              'apikey_' || (g % ${literal(ORGS)}) || '_' || ((g / ${literal(ORGS)}) % ${literal(KEYS_PER_ORG)}), 'req_' || g, ${changes}::jsonb, NULL
       FROM generate_series(1, ${literal(total)}) AS g`,
    );
    await db.execute(sql`ANALYZE environment_versions`);
  } else {
    const BATCH = 5000;
    for (let base = 1; base <= total; base += BATCH) {
      await db.transaction(async (tx) => {
        for (let g = base; g < base + BATCH && g <= total; g++) {
          const row = {
            id: `envver_${String(g).padStart(24, '0')}`,
            env: `env_${String(Math.floor(g / 10)).padStart(24, '0')}`,
            at: new Date(START + (g / total) * SPAN_MS).toISOString(),
            key: `apikey_${g % ORGS}_${Math.floor(g / ORGS) % KEYS_PER_ORG}`,
          };
          await tx.execute(
            sql`INSERT INTO environment_versions (id, event_position, organization_id, environment_id, version, operation,
               created_at, actor_type, api_key_id, request_id, changes, previous)
             VALUES (${row.id}, ${g}, ${`org_${g % ORGS}`}, ${row.env}, ${(g % 10) + 1}, ${g % 10 === 0 ? 'created' : 'modified'},
               ${row.at}, 'api_actor', ${row.key}, ${`req_${g}`}, ${changes}, NULL)`,
          );
        }
      });
    }
    await db.execute(sql`ANALYZE`);
  }
  const seedSeconds = (Date.now() - started) / 1000;
  log(`${db.label}: seeded ${total} versions in ${seedSeconds.toFixed(1)} s`);

  // One key of one organization, over a 90-day window in the middle of the year: ~1,200 matching versions.
  const filters = {
    api_key_id: 'apikey_3_7',
    created_at_gte: new Date(START + SPAN_MS * 0.25).toISOString(),
    created_at_lte: new Date(START + SPAN_MS * 0.5).toISOString(),
  };
  const limit = 100;
  const all = await db.query<{ created_at: unknown; event_position: number | string }>(
    organizationVersionsQuery('org_3', filters, null, 100_000),
  );
  const deep = all[Math.floor(all.length * 0.9)];
  const deepAfter = {
    c: deep.created_at instanceof Date ? deep.created_at.toISOString() : String(deep.created_at),
    p: Number(deep.event_position),
  };
  const first = await measure(() => db.query(organizationVersionsQuery('org_3', filters, null, limit)));
  const deepPage = await measure(() => db.query(organizationVersionsQuery('org_3', filters, deepAfter, limit)));
  const unfiltered = await measure(() => db.query(organizationVersionsQuery('org_3', {}, null, limit)));
  log(`matching versions: ${all.length} (of ${total})`);
  log(`first page of ${limit}, api_key_id + time range: median ${ms(first.median)}, p95 ${ms(first.p95)}`);
  log(`page at 90% depth:                          median ${ms(deepPage.median)}, p95 ${ms(deepPage.p95)}`);
  log(`first page, no filter:                      median ${ms(unfiltered.median)}, p95 ${ms(unfiltered.p95)}`);
  log(`deep / first page ratio: ${(deepPage.median / first.median).toFixed(2)}`);
  await close();
  return {
    database: db.label,
    versions: total,
    matching: all.length,
    seedSeconds,
    first,
    deep: deepPage,
    unfiltered,
    deepOverFirst: deepPage.median / first.median,
  };
}

if (require.main === module) {
  auditQueryBench(Number(process.env.BENCH_VERSIONS ?? 1_000_000)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
