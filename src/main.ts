// Before anything else: tracing (when configured) must see Fastify and pg load.
import './tracing/start';
import 'reflect-metadata';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/config';
import { describeDatabase } from './database/database';
import { packageVersion } from './common/package-version';
import { limitHeapGrowth } from './common/heap-growth';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sandbase: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  limitHeapGrowth(config.heapGrowthPercent);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const address = await app.getUrl();
  app.getHttpAdapter().getInstance().log.info(
    { version: packageVersion(), database: describeDatabase(config.database), address },
    `listening on ${address}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbase: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
