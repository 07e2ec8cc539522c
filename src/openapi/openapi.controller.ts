import { Controller, Get, Injectable, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError } from '../common/api-error';
import { Access } from '../common/route-access';

/** The API description of this application, built on first use by whoever starts it (src/openapi/install.ts). */
@Injectable()
export class OpenApiDocumentSource {
  private build: (() => object) | null = null;
  private document: object | null = null;

  from(build: () => object): void {
    this.build = build;
    this.document = null;
  }

  get(): object {
    if (!this.document) {
      if (!this.build) throw new Error('the API description was not installed (src/openapi/install.ts)');
      this.document = this.build();
    }
    return this.document;
  }
}

/** The Swagger UI files the reference page loads, served from the swagger-ui-dist package. */
export const DOCS_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'docs.js': 'text/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sandbase Environments API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

const START = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

const assets = new Map<string, string>();
function asset(name: string): string {
  let content = assets.get(name);
  if (content === undefined) {
    content = name === 'docs.js' ? START : readFileSync(join(dirname(require.resolve('swagger-ui-dist/package.json')), name), 'utf8');
    assets.set(name, content);
  }
  return content;
}

/**
 * The API description (`/openapi.json`) and a browsable reference over it
 * (`/docs`, Swagger UI), both public like the health probes: they describe
 * the API, not anyone's data. Served by a controller of their own, so they
 * declare their access like every other route.
 */
@ApiTags('reference')
@Controller()
export class OpenApiController {
  constructor(private readonly source: OpenApiDocumentSource) {}

  @Get('openapi.json')
  @Access('public')
  @ApiOperation({ operationId: 'getOpenApiDocument', summary: 'This API description (OpenAPI 3.1)' })
  @ApiOkResponse({ description: 'The OpenAPI document.', schema: { type: 'object', required: ['openapi', 'info', 'paths'] } })
  document(): object {
    return this.source.get();
  }

  @Get('docs')
  @Access('public')
  @ApiOperation({ operationId: 'getReference', summary: 'A browsable reference of this API (Swagger UI)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The reference page.', schema: { type: 'string' } })
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.type('text/html; charset=utf-8');
    return PAGE;
  }

  @Get('docs/:asset')
  @Access('public')
  @ApiOperation({ operationId: 'getReferenceAsset', summary: 'A file of the reference page' })
  @ApiParam({ name: 'asset', schema: { type: 'string', enum: Object.keys(DOCS_ASSETS) } })
  @ApiProduces('text/css', 'text/javascript')
  @ApiOkResponse({ description: 'The file.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'No such file.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })
  file(@Param('asset') name: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    const type = Object.prototype.hasOwnProperty.call(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
    if (!type) throw ApiError.notFound(`No file ${JSON.stringify(name)} in the reference page`);
    void reply.type(type).header('cache-control', 'public, max-age=3600');
    return asset(name);
  }
}
