import { ApiError } from '../../../src/common/api-error';
import { decodePageCursor, encodePageCursor, millisecondBound } from '../../../src/common/page-cursor';

describe('page cursors', () => {
  const position = { c: '2026-05-29T10:00:00.123Z', i: 'env_011CZkZ9X2dpNyB7HsEFoRfW' };

  it('round-trips a position as page_ + base64url JSON', () => {
    const cursor = encodePageCursor(position);
    expect(cursor).toMatch(/^page_[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(cursor.slice(5), 'base64url').toString())).toEqual(position);
    expect(decodePageCursor(cursor)).toEqual(position);
  });

  it('decodes other shapes when told their fields', () => {
    expect(decodePageCursor(encodePageCursor({ v: 7 }), { v: 'int' })).toEqual({ v: 7 });
    expect(decodePageCursor(encodePageCursor({ c: position.c, p: 12 }), { c: 'timestamp', p: 'int' })).toEqual({
      c: position.c,
      p: 12,
    });
  });

  const bad: [string, string][] = [
    ['empty', ''],
    ['no prefix', Buffer.from(JSON.stringify(position)).toString('base64url')],
    ['not base64url', 'page_!!!'],
    ['truncated', encodePageCursor(position).slice(0, 20)],
    ['not JSON', `page_${Buffer.from('{"c":').toString('base64url')}`],
    ['an array', `page_${Buffer.from('[1,2]').toString('base64url')}`],
    ['null', `page_${Buffer.from('null').toString('base64url')}`],
    ['missing id', encodePageCursor({ c: position.c })],
    ['extra field', encodePageCursor({ ...position, x: 1 })],
    ['bad timestamp', encodePageCursor({ c: '2026-13-45T99:00:00.000Z', i: position.i })],
    ['timestamp without ms', encodePageCursor({ c: '2026-05-29T10:00:00Z', i: position.i })],
    ['id with quotes', encodePageCursor({ c: position.c, i: "env_' OR 1=1" })],
    ['numeric id', `page_${Buffer.from(JSON.stringify({ c: position.c, i: 5 })).toString('base64url')}`],
    ['huge', `page_${'A'.repeat(600)}`],
  ];
  it.each(bad)('rejects a cursor that is %s with a 400', (_what, cursor) => {
    let thrown: unknown;
    try {
      decodePageCursor(cursor);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).status).toBe(400);
    expect((thrown as ApiError).message).toMatch(/^Invalid page cursor/);
  });

  it('rejects a negative or fractional integer field', () => {
    expect(() => decodePageCursor(encodePageCursor({ v: -1 }), { v: 'int' })).toThrow(ApiError);
    expect(() => decodePageCursor(encodePageCursor({ v: 1.5 }), { v: 'int' })).toThrow(ApiError);
  });

  it('bounds a 32-bit integer field by what an integer column holds', () => {
    expect(decodePageCursor(encodePageCursor({ v: 2 ** 31 - 1 }), { v: 'int32' })).toEqual({ v: 2 ** 31 - 1 });
    expect(() => decodePageCursor(encodePageCursor({ v: 2 ** 31 }), { v: 'int32' })).toThrow(ApiError);
    expect(() => decodePageCursor(encodePageCursor({ v: 2 ** 53 }), { v: 'int' })).toThrow(ApiError);
  });
});

describe('millisecond bounds of time filters', () => {
  it('rounds a finer lower bound up and truncates a finer upper bound', () => {
    expect(millisecondBound('2026-05-29T10:00:12.9359Z', 'lower')).toBe('2026-05-29T10:00:12.936Z');
    expect(millisecondBound('2026-05-29T10:00:12.9359Z', 'upper')).toBe('2026-05-29T10:00:12.935Z');
    expect(millisecondBound('2026-05-29T10:00:12.935000Z', 'lower')).toBe('2026-05-29T10:00:12.935Z');
    expect(millisecondBound('2026-05-29T10:00:12.999999999Z', 'lower')).toBe('2026-05-29T10:00:13.000Z');
    expect(millisecondBound('2026-05-29T12:00:00+02:00', 'lower')).toBe('2026-05-29T10:00:00.000Z');
    expect(millisecondBound('9999-12-31T23:59:59.9999Z', 'lower')).toBe('9999-12-31T23:59:59.999Z');
  });
});
