/**
 * A deep page of the environment listing against the first: 100,000
 * environments in one organization (a few archived), the first page and a
 * page 50,000 rows deep, with and without archived environments, timed over
 * HTTP (GET /v1/environments, one request at a time) and through the read
 * model alone, interleaved so that both see the same machine. Prints p50 of
 * each and the ratio deep / first.
 * Run: npx ts-node --transpile-only bench/list-deep-page.bench.ts
 *      (BENCH_ENVIRONMENTS=100000 by default; DATABASE_URL=postgres://... for PostgreSQL)
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { encodePageCursor, decodePageCursor, PagePosition } from '../src/common/page-cursor';
import { Database, sql } from '../src/database/database';
import { insertRows } from '../src/database/table';
import { listEnvironmentRows } from '../src/environments/projections/environments.read-model';
import { environmentsTable } from '../src/environments/projections/tables';
import { presentEnvironmentRow } from '../src/environments/resources/environment.resource';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { startTestApp, TestApp } from '../test/support/test-app';

const ENVIRONMENTS = Number(process.env.BENCH_ENVIRONMENTS ?? 100_000);
const DEPTH = Math.floor(ENVIRONMENTS / 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
let ORG = '';

async function seed(db: Database): Promise<void> {
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  // As the service stores a config (every package manager listed): the response schema requires that shape.
  const config = {
    type: 'cloud',
    networking: { type: 'unrestricted' },
    packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: ['numpy'] },
  };
  for (let start = 0; start < ENVIRONMENTS; start += 10_000) {
    const rows: Record<(typeof environmentsTable.columnNames)[number], unknown>[] = [];
    for (let i = start; i < Math.min(ENVIRONMENTS, start + 10_000); i++) {
      const at = new Date(base + i * 10).toISOString();
      rows.push({
        id: `env_${String(i).padStart(24, '0')}`,
        organization_id: ORG,
        name: `environment-${i}`,
        description: 'a benchmark environment',
        config,
        metadata: { team: 'ml' },
        scope: 'organization',
        version: 1,
        archived_at: i % 50 === 0 ? at : null,
        created_at: at,
        updated_at: at,
      });
    }
    await db.transaction(async (tx) => {
      for (const insert of insertRows(environmentsTable, rows)) await tx.execute(insert);
    });
  }
  // A second organization, so the listing's organization is a range of the index, not all of it.
  if (db.label === 'postgres') await db.execute(sql`ANALYZE environments`);
}

/** One page as the query handler serves it (rows, presented, next cursor). */
async function page(db: Database, includeArchived: boolean, cursor: string | null): Promise<string | undefined> {
  const after: PagePosition | null = cursor ? decodePageCursor(cursor) : null;
  const rows = await listEnvironmentRows(db, ORG, { includeArchived, after, limit: 20 });
  const data = rows.slice(0, 20).map(presentEnvironmentRow);
  const last = data[data.length - 1];
  return rows.length > 20 ? encodePageCursor({ c: last.created_at, i: last.id }) : undefined;
}

/** The cursor that starts `DEPTH` rows in (what a client holds after walking there). */
async function deepCursor(db: Database, includeArchived: boolean): Promise<string> {
  const rows = await db.query<{ created_at: unknown; id: string }>(
    sql`SELECT created_at, id FROM environments WHERE organization_id = ${ORG}${sql.when(!includeArchived, () => sql` AND archived_at IS NULL`)}
        ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ${DEPTH - 1}`,
  );
  const created = rows[0].created_at;
  const c = created instanceof Date ? created.toISOString() : String(created);
  return encodePageCursor({ c, i: rows[0].id });
}

async function get(t: TestApp, includeArchived: boolean, cursor: string | null): Promise<void> {
  const query = new URLSearchParams({ limit: '20', ...(includeArchived ? { include_archived: 'true' } : {}), ...(cursor ? { page: cursor } : {}) });
  const response = await fetch(`${t.baseUrl}/v1/environments?${query}`, { headers: { 'x-api-key': t.key } });
  if (response.status !== 200) throw new Error(`GET /v1/environments: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

async function compare(label: string, run: (cursor: string | null) => Promise<unknown>, deep: string): Promise<void> {
  const first: number[] = [];
  const deeper: number[] = [];
  for (let i = 0; i < 50; i++) (await run(null), await run(deep));
  for (let i = 0; i < ROUNDS; i++) {
    let start = performance.now();
    await run(null);
    first.push(performance.now() - start);
    start = performance.now();
    await run(deep);
    deeper.push(performance.now() - start);
  }
  const [a, b] = [p50(first), p50(deeper)];
  console.log(`${label}: first page p50 ${a.toFixed(3)} ms, ${DEPTH} rows deep p50 ${b.toFixed(3)} ms, ratio ${(b / a).toFixed(2)}x`);
}

function p50(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const t = await startTestApp({ LOG_LEVEL: 'fatal' });
  const db = t.db;
  try {
    ORG = await t.app.get(ApiKeysService).organizationId('test-org');
    const seeded = performance.now();
    await seed(db);
    console.log(`${db.label}: ${ENVIRONMENTS} environments seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    for (const includeArchived of [false, true]) {
      const deep = await deepCursor(db, includeArchived);
      await compare(`HTTP, include_archived=${includeArchived}`, (cursor) => get(t, includeArchived, cursor), deep);
      await compare(`read model, include_archived=${includeArchived}`, (cursor) => page(db, includeArchived, cursor), deep);
    }
  } finally {
    await t.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
