import type { INestApplication } from '@nestjs/common';
import { buildOpenApiDocument } from './build-document';
import { OpenApiDocumentSource } from './openapi.controller';

/** Serves this application's description at /openapi.json, built from its controllers on first request. */
export function installOpenApi(app: INestApplication): void {
  app.get(OpenApiDocumentSource).from(() => buildOpenApiDocument(app));
}
