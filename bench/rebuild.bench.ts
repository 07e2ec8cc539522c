/**
 * `projections rebuild` throughput in events per second: writes a realistic
 * log through the real command path (creates, updates of packages, metadata
 * and networking, archives, deletes), then rebuilds every projection from it
 * and checks the result with `projections verify`.
 * Run: npm run bench:rebuild  (DATABASE_URL=postgres://... for PostgreSQL)
 */
import 'reflect-metadata';
import { SystemClock } from '../src/common/clock';
import { newEnvironmentId } from '../src/common/ids';
import { EnvironmentCommandExecutor } from '../src/environments/commands/environment-command.executor';
import { rebuildProjections, verifyProjections } from '../src/projections';
import { benchDatabase } from './support';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);

async function main(): Promise<void> {
  const { db, close } = await benchDatabase();
  const executor = new EnvironmentCommandExecutor(db, new SystemClock());
  const context = (org: number) => ({
    organizationId: `org_${org}`,
    actor: { type: 'api_actor' as const, api_key_id: `apikey_${org}` },
    requestId: null,
  });
  const started = Date.now();
  let written = 0;
  let n = 0;
  while (written < EVENTS) {
    const id = newEnvironmentId();
    const ctx = context(n % 5);
    await executor.execute(
      {
        type: 'CreateEnvironment',
        data: { environment_id: id, organization_id: ctx.organizationId, input: { name: `env-${n}`, metadata: { team: 'ml' } } },
      },
      ctx,
    );
    written++;
    for (let u = 0; u < 6 && written < EVENTS; u++, written++) {
      await executor.execute(
        {
          type: 'UpdateEnvironment',
          data: {
            environment_id: id,
            input: {
              description: `revision ${u}`,
              metadata: { [`k${u}`]: String(u) },
              config: { type: 'cloud', packages: { pip: [`pkg-${u}`] }, networking: u % 2 ? { type: 'limited', allowed_hosts: ['api.example.com'], allow_package_managers: true } : null },
            },
          },
        },
        ctx,
      );
    }
    if (n % 4 === 0 && written < EVENTS) {
      const type = n % 8 === 0 ? 'DeleteEnvironment' : 'ArchiveEnvironment';
      await executor.execute({ type, data: { environment_id: id } }, ctx);
      written++;
    }
    n++;
  }
  console.log(`${db.label}: wrote ${written} events through the command path in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const report = await rebuildProjections(db);
  console.log(
    `rebuild: ${report.events} events in ${report.seconds.toFixed(2)} s = ${Math.round(report.events / report.seconds)} events/s ` +
      `(${report.environments} environments, ${report.versions} versions)`,
  );
  const verify = await verifyProjections(db);
  console.log(`verify after rebuild: ${verify.differences.length === 0 ? 'clean' : `${verify.differences.length} differences`}`);
  await close();
  if (verify.differences.length) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
