import { diffFields, initialChanges } from '../../../src/environments/domain/changes';
import { createFields, mergeFields } from '../../../src/environments/domain/fields';
import { applyMetadataPatch } from '../../../src/environments/domain/rules';

/**
 * `__proto__`, `constructor` and `prototype` are ordinary metadata keys: the
 * domain keeps them as own properties (as JSON.parse delivers them), diffs
 * and deletes them like any other, and no prototype is ever touched.
 */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** A request body as the JSON parser hands it over: `__proto__` is an own key, not the prototype. */
function parsed<T>(json: string): T {
  return JSON.parse(json) as T;
}

function ownEntries(value: object): [string, unknown][] {
  return Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]]);
}

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  expect(Object.prototype.constructor).toBe(Object);
});

describe('prototype-named metadata keys in the domain', () => {
  it('stores each of them as an own key with its value, leaving the prototype alone', () => {
    const fields = createFields(parsed('{"name":"p","metadata":{"__proto__":"a","constructor":"b","prototype":"c","polluted":"d"}}'));
    expect(ownEntries(fields.metadata)).toEqual(
      expect.arrayContaining([
        ['__proto__', 'a'],
        ['constructor', 'b'],
        ['prototype', 'c'],
        ['polluted', 'd'],
      ]),
    );
    expect(Object.keys(fields.metadata)).toHaveLength(4);
    expect(Object.getPrototypeOf(fields.metadata)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(fields.metadata))).toEqual(fields.metadata);
    expect(JSON.stringify(fields.metadata)).toContain('"__proto__":"a"');
  });

  it('never treats an object value under __proto__ as anything but an invalid metadata value', () => {
    expect(() => createFields(parsed('{"name":"p","metadata":{"__proto__":{"polluted":"yes"}}}'))).toThrow(
      /metadata.__proto__: values must be strings/,
    );
  });

  it('does not see inherited properties as existing keys', () => {
    for (const key of PROTO_KEYS) {
      // Deleting a key that is not there is a no-op, even when the prototype has a property by that name.
      expect(applyMetadataPatch({ k: 'v' }, parsed(`{${JSON.stringify(key)}:null}`))).toEqual({ k: 'v' });
    }
    expect(createFields({ name: 'p' }).metadata).toEqual({});
    expect(Object.keys(createFields({ name: 'p', metadata: {} }).metadata)).toEqual([]);
  });

  it.each(PROTO_KEYS)('updates and deletes %s like any other key', (key) => {
    const created = createFields(parsed(`{"name":"p","metadata":{${JSON.stringify(key)}:"one","other":"x"}}`));
    const updated = mergeFields(created, parsed(`{"metadata":{${JSON.stringify(key)}:"two"}}`));
    expect(Object.getOwnPropertyDescriptor(updated.metadata, key)?.value).toBe('two');
    expect(Object.getOwnPropertyDescriptor(created.metadata, key)?.value).toBe('one');
    const deleted = mergeFields(updated, parsed(`{"metadata":{${JSON.stringify(key)}:null}}`));
    expect(Object.hasOwn(deleted.metadata, key)).toBe(false);
    expect(Object.keys(deleted.metadata)).toEqual(['other']);
    const emptied = mergeFields(updated, parsed(`{"metadata":{${JSON.stringify(key)}:""}}`));
    expect(Object.hasOwn(emptied.metadata, key)).toBe(false);
  });

  it('counts them against the 16-key limit like any other key', () => {
    const sixteen = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`k${i}`, 'v']));
    const body = { ...sixteen, ...parsed<Record<string, string>>('{"__proto__":"a","constructor":"b","prototype":"c"}') };
    expect(Object.keys(applyMetadataPatch({}, body))).toHaveLength(16);
    expect(() => applyMetadataPatch({}, { ...body, extra: 'x' })).toThrow(/at most 16 keys/);
  });

  it.each(PROTO_KEYS)('reports %s in changes when it is set, changed and removed', (key) => {
    const path = `metadata.${key}`;
    const created = createFields(parsed(`{"name":"p","metadata":{${JSON.stringify(key)}:"one"}}`));
    expect(initialChanges(created)).toContainEqual({ path, from: null, to: 'one' });
    const updated = mergeFields(created, parsed(`{"metadata":{${JSON.stringify(key)}:"two"}}`));
    expect(diffFields(created, updated)).toEqual([{ path, from: 'one', to: 'two' }]);
    const deleted = mergeFields(updated, parsed(`{"metadata":{${JSON.stringify(key)}:null}}`));
    expect(diffFields(updated, deleted)).toEqual([{ path, from: 'two', to: null }]);
    // The other way round: a key that is not there is null, not an inherited value.
    expect(diffFields(deleted, updated)).toEqual([{ path, from: null, to: 'two' }]);
  });

  it('diffs a state read back from JSON (as the databases return it) the same way', () => {
    const created = createFields(parsed('{"name":"p","metadata":{"__proto__":"a","constructor":"b"}}'));
    const stored = { ...created, metadata: JSON.parse(JSON.stringify(created.metadata)) as Record<string, string> };
    expect(diffFields(created, stored)).toEqual([]);
  });
});
