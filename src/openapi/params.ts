import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../common/list-params';

/** `limit` and `page`, as parseLimit and parsePageParam (src/common/list-params.ts) read them. */
export function ApiPageParams(): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      description: `Items per page, ${1}-${MAX_PAGE_LIMIT}.`,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
    }),
    ApiQuery({
      name: 'page',
      required: false,
      description: 'The opaque cursor of the next page: `next_page` of the previous answer.',
      schema: { type: 'string' },
    }),
  );
}

/** An RFC 3339 instant, as the history filters read it. */
export const TIMESTAMP_PARAM = { type: 'string', format: 'date-time' } as const;

/** A resource's JSON Schema (declared `as const`, for the serializer) as @nestjs/swagger's decorators take it. */
export function jsonSchema(schema: object): SchemaObject {
  return schema as SchemaObject;
}
