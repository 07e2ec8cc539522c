import 'reflect-metadata';
import { loadConfig } from './src/config/config';
import { createDataSource } from './src/database/data-source';

/**
 * The DataSource for the TypeORM CLI, configured from the same environment
 * variables as the service (DATABASE_URL), e.g.
 *   npx typeorm-ts-node-commonjs migration:show -d ormconfig.ts
 */
export default createDataSource(loadConfig().database);
