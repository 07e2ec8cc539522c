import { invalid, invalidMetadata } from './errors';

/** Limits of the field rules; named once so docs and messages agree. */
export const LIMITS = {
  nameMax: 256,
  descriptionMax: 1024,
  metadataPairs: 16,
  metadataKeyMax: 64,
  metadataValueMax: 512,
  listEntries: 256,
  packageEntryMax: 256,
  hostnameMax: 253,
} as const;

/** Length in Unicode code points, so an emoji counts as one character. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function normalizeName(value: unknown): string {
  if (typeof value !== 'string') throw invalid('name must be a string');
  const name = value.trim();
  const len = charLength(name);
  if (len < 1) throw invalid('name must not be empty');
  if (len > LIMITS.nameMax) throw invalid(`name must be at most ${LIMITS.nameMax} characters (got ${len})`);
  return name;
}

export function checkDescription(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalid('description must be a string or null');
  const len = charLength(value);
  if (len > LIMITS.descriptionMax) {
    throw invalid(`description must be at most ${LIMITS.descriptionMax} characters (got ${len})`);
  }
  return value;
}

export function checkScope(value: unknown): 'organization' {
  if (value !== 'organization') {
    throw invalid(`scope must be "organization" (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function checkBoolean(path: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(`${path} must be a boolean`);
  return value;
}

/**
 * Applies a metadata patch: a key set to null or "" is removed, any other
 * value is upserted. Limits are checked on the result.
 */
export function applyMetadataPatch(
  current: Record<string, string>,
  patch: unknown,
): Record<string, string> {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw invalidMetadata('metadata must be an object of string values');
  }
  // A Map, so that a key such as "__proto__" is data like any other.
  const result = new Map(Object.entries(current));
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null || value === '') {
      result.delete(key);
      continue;
    }
    if (typeof value !== 'string') {
      throw invalidMetadata(`metadata.${key}: values must be strings (got ${typeof value})`);
    }
    const keyLen = charLength(key);
    if (keyLen < 1 || keyLen > LIMITS.metadataKeyMax) {
      throw invalidMetadata(
        `metadata keys must be 1-${LIMITS.metadataKeyMax} characters (key ${JSON.stringify(key)} has ${keyLen})`,
      );
    }
    const valueLen = charLength(value);
    if (valueLen > LIMITS.metadataValueMax) {
      throw invalidMetadata(
        `metadata.${key}: values must be at most ${LIMITS.metadataValueMax} characters (got ${valueLen})`,
      );
    }
    result.set(key, value);
  }
  if (result.size > LIMITS.metadataPairs) {
    throw invalidMetadata(`metadata: at most ${LIMITS.metadataPairs} keys are allowed (got ${result.size})`);
  }
  return Object.fromEntries(result);
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

export function isIPv4(host: string): boolean {
  return IPV4.test(host);
}

export function isIPv6(host: string): boolean {
  if (!host.includes(':')) return false;
  let groups = host;
  let extra = 0;
  const lastColon = host.lastIndexOf(':');
  const tail = host.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    groups = host.slice(0, lastColon + 1) + '0';
    extra = 1;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parse = (part: string): string[] | null => {
    if (part === '') return [];
    const parts = part.split(':');
    return parts.every((g) => HEX_GROUP.test(g)) ? parts : null;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (head === null || rest === null) return false;
  const count = head.length + rest.length + extra;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isHostname(host: string): boolean {
  if (host.length < 1 || host.length > LIMITS.hostnameMax) return false;
  const labels = host.split('.');
  if (!labels.every((label) => HOST_LABEL.test(label))) return false;
  // An all-numeric last label would make "1.2.3" look like a hostname.
  return !/^\d+$/.test(labels[labels.length - 1]);
}

/** Validates, lower-cases and de-duplicates (first seen wins) allowed hosts. */
export function normalizeAllowedHosts(value: unknown): string[] {
  const path = 'config.networking.allowed_hosts';
  if (!Array.isArray(value)) throw invalid(`${path} must be an array of strings`);
  const seen = new Set<string>();
  value.forEach((entry, index) => {
    if (typeof entry !== 'string') throw invalid(`${path}[${index}] must be a string`);
    const host = entry.toLowerCase();
    const wildcard = host.startsWith('*.');
    const bare = wildcard ? host.slice(2) : host;
    const ok = wildcard ? isHostname(bare) : isHostname(bare) || isIPv4(bare) || isIPv6(bare);
    if (!ok) {
      throw invalid(
        `${path}[${index}]: ${JSON.stringify(entry)} is not a hostname, "*." wildcard hostname or IP address ` +
          '(no scheme, path, port or whitespace)',
      );
    }
    seen.add(host);
  });
  if (seen.size > LIMITS.listEntries) {
    throw invalid(`${path} must have at most ${LIMITS.listEntries} entries (got ${seen.size})`);
  }
  return [...seen];
}

const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

export function checkPackageList(manager: string, value: unknown): string[] {
  const path = `config.packages.${manager}`;
  if (!Array.isArray(value)) throw invalid(`${path} must be an array of strings`);
  if (value.length > LIMITS.listEntries) {
    throw invalid(`${path} must have at most ${LIMITS.listEntries} entries (got ${value.length})`);
  }
  value.forEach((entry, index) => {
    if (typeof entry !== 'string') throw invalid(`${path}[${index}] must be a string`);
    const len = charLength(entry);
    if (len < 1 || len > LIMITS.packageEntryMax) {
      throw invalid(`${path}[${index}] must be 1-${LIMITS.packageEntryMax} characters (got ${len})`);
    }
    if (WHITESPACE_OR_CONTROL.test(entry)) {
      throw invalid(`${path}[${index}]: ${JSON.stringify(entry)} must not contain whitespace or control characters`);
    }
  });
  return [...value];
}
