import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { Access } from '../common/route-access';
import { CONSOLE_HEADERS, ConsoleFiles } from './console-files';

const ERROR = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
const NOT_BUILT = { status: 503, description: 'The console was not built (`npm run build`).', content: ERROR };

/**
 * The audit console (console/, built to dist/console): a single-page app
 * that reads the API with the key its user types in. Public like /docs: the
 * pages hold no data; every answer carries a strict Content-Security-Policy.
 */
@ApiTags('console')
@Controller('console')
export class ConsoleController {
  private readonly files = new ConsoleFiles();

  @Get()
  @Access('public')
  @ApiOperation({ operationId: 'getConsole', summary: 'The audit console (a single-page app)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The console page.', schema: { type: 'string' } })
  @ApiResponse(NOT_BUILT)
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.index(reply);
  }

  @Get('assets/:file')
  @Access('public')
  @ApiOperation({ operationId: 'getConsoleAsset', summary: 'A file of the audit console (scripts, styles)' })
  @ApiParam({ name: 'file', schema: { type: 'string' } })
  @ApiProduces('text/javascript', 'text/css')
  @ApiOkResponse({ description: 'The file; its name changes with its content, so it may be cached for good.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'No such file.', content: ERROR })
  asset(@Param('file') name: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    void reply.headers(CONSOLE_HEADERS);
    const asset = this.files.asset(name);
    if (!asset) throw ApiError.notFound(`No file ${JSON.stringify(name)} in the console`);
    void reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable');
    return asset.content;
  }

  @Get('*')
  @Access('public')
  @ApiOperation({
    operationId: 'getConsolePage',
    summary: 'A page of the audit console',
    description: 'Any path under /console other than its files answers the console page, which shows the page the path names.',
  })
  @ApiParam({ name: 'path', description: 'The page: `environments`, `environments/{id}`, `audit`, `integrity`.', schema: { type: 'string' } })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The console page.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'A path under /console/assets/ that names no file.', content: ERROR })
  @ApiResponse(NOT_BUILT)
  fallback(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    if (request.url.startsWith('/console/assets/')) {
      void reply.headers(CONSOLE_HEADERS);
      throw ApiError.notFound('No such file in the console');
    }
    return this.index(reply);
  }

  private index(reply: FastifyReply): Buffer {
    void reply.headers(CONSOLE_HEADERS);
    const page = this.files.index();
    if (!page) throw new ApiError(503, 'api_error', 'The console was not built: run `npm run build`');
    void reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache');
    return page;
  }
}
