import { JsonTextCache } from '../../../src/common/json-text-cache';
import { toEnvironmentState } from '../../../src/environments/projections/environment-row';
import type { EnvironmentRow } from '../../../src/environments/projections/environment-row';
import { presentEnvironment, presentEnvironmentRow } from '../../../src/environments/resources/environment.resource';

describe('JsonTextCache', () => {
  it('derives a text once, and hands out the same frozen value for the same text', () => {
    let derived = 0;
    const cache = new JsonTextCache(10, (parsed) => {
      derived++;
      return { wrapped: parsed };
    });
    const first = cache.of('{"a":[1,{"b":2}]}');
    expect(first).toEqual({ wrapped: { a: [1, { b: 2 }] } });
    expect(cache.of('{"a":[1,{"b":2}]}')).toBe(first);
    expect(derived).toBe(1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen((first.wrapped as { a: unknown[] }).a[1])).toBe(true);
    expect(() => {
      'use strict';
      (first as { wrapped: unknown }).wrapped = null;
    }).toThrow(TypeError);
  });

  it('keeps at most its limit, dropping the oldest text first', () => {
    let derived = 0;
    const cache = new JsonTextCache(2, (parsed) => {
      derived++;
      return parsed;
    });
    cache.of('1');
    cache.of('2');
    cache.of('3');
    expect(derived).toBe(3);
    cache.of('3');
    cache.of('2');
    expect(derived).toBe(3);
    cache.of('1');
    expect(derived).toBe(4);
  });

  it('derives a value that is not text (a parsed jsonb column) every time', () => {
    let derived = 0;
    const cache = new JsonTextCache(10, (parsed) => {
      derived++;
      return { ...(parsed as object) };
    });
    const value = { a: 1 };
    expect(cache.of(value)).toEqual({ a: 1 });
    expect(cache.of(value)).not.toBe(cache.of(value));
    expect(derived).toBe(3);
  });
});

describe('presentEnvironmentRow', () => {
  const row = (config: unknown, metadata: unknown, archived: unknown = null): EnvironmentRow => ({
    id: 'env_0mx6c3p42dJZbxh8VVGrWJKA',
    organization_id: 'org_1',
    name: 'build',
    description: null,
    config,
    metadata,
    scope: 'organization',
    version: '3',
    archived_at: archived,
    created_at: '2026-12-02T10:00:00.000Z',
    updated_at: new Date('2026-12-02T11:00:00.000Z'),
  });
  const limited = {
    packages: { pip: ['numpy'], npm: [], apt: ['git'], cargo: [], gem: [], go: [] },
    networking: { allow_package_managers: true, allowed_hosts: ['a.example.com'], type: 'limited', allow_mcp_servers: false },
    type: 'cloud',
  };

  it.each([
    ['stored text (SQLite)', row(JSON.stringify(limited), '{"z":"1","a":"2"}')],
    ['parsed jsonb (PostgreSQL)', row(limited, { z: '1', a: '2' })],
    ['self-hosted, archived', row('{"type":"self_hosted"}', '{}', '2026-12-02T12:00:00.000Z')],
  ])('renders exactly what presentEnvironment renders, keys in the same order: %s', (_, stored) => {
    const expected = presentEnvironment(toEnvironmentState(stored));
    for (let i = 0; i < 2; i++) {
      const presented = presentEnvironmentRow(stored);
      expect(JSON.stringify(presented)).toBe(JSON.stringify(expected));
    }
  });
});
