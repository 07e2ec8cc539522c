import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createApp } from '../app.factory';
import { loadConfig } from '../config/config';
import { buildOpenApiDocument } from './build-document';

/** The committed description: `npm run openapi` writes it, a test fails when it is stale. */
export const DOCUMENT_FILE = resolve(__dirname, '../../docs/openapi.json');

/** The document as committed: two-space JSON and a final newline. */
export function serializeDocument(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** `npm run openapi`: builds the application (on an in-memory SQLite database, never listening) and writes its description. */
async function main(): Promise<void> {
  const app = await createApp(loadConfig({ LOG_LEVEL: 'error', DATABASE_URL: 'sqlite::memory:' }));
  try {
    writeFileSync(DOCUMENT_FILE, serializeDocument(buildOpenApiDocument(app)));
    process.stdout.write(`wrote ${DOCUMENT_FILE}\n`);
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`openapi: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
