import { EnvironmentFields, PACKAGE_MANAGERS } from './environment';

/** One changed leaf of an environment, as the audit history reports it. */
export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

type Leaves = Map<string, unknown>;

const LIMITED_NETWORKING_FIELDS = ['type', 'allowed_hosts', 'allow_mcp_servers', 'allow_package_managers'] as const;

/**
 * Every leaf of an environment in one fixed order: fields as declared,
 * networking and package managers in their documented order, metadata keys
 * sorted. The order never depends on how the state was built (a request body,
 * or a row PostgreSQL's jsonb handed back with its keys reordered), so a
 * rebuild from the log reproduces `changes` exactly.
 */
function leavesOf(fields: EnvironmentFields, networkingAsOneLeaf: boolean): Leaves {
  const leaves: Leaves = new Map();
  leaves.set('name', fields.name);
  leaves.set('description', fields.description);
  leaves.set('scope', fields.scope);
  leaves.set('config.type', fields.config.type);
  if (fields.config.type === 'cloud') {
    const { networking, packages } = fields.config;
    if (networkingAsOneLeaf) {
      leaves.set(
        'config.networking',
        networking.type === 'limited'
          ? Object.fromEntries(LIMITED_NETWORKING_FIELDS.map((key) => [key, networking[key]]))
          : { type: networking.type },
      );
    } else if (networking.type === 'limited') {
      for (const key of LIMITED_NETWORKING_FIELDS) leaves.set(`config.networking.${key}`, networking[key]);
    } else {
      leaves.set('config.networking.type', networking.type);
    }
    for (const manager of PACKAGE_MANAGERS) leaves.set(`config.packages.${manager}`, packages[manager]);
  }
  for (const key of Object.keys(fields.metadata).sort()) leaves.set(`metadata.${key}`, fields.metadata[key]);
  return leaves;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The leaves that differ between two versions of an environment. Scalars and
 * whole arrays are leaves; each metadata key is a leaf; a switch of networking
 * type is reported as one `config.networking` entry.
 */
export function diffFields(before: EnvironmentFields, after: EnvironmentFields): FieldChange[] {
  const switched =
    before.config.type === 'cloud' &&
    after.config.type === 'cloud' &&
    before.config.networking.type !== after.config.networking.type;
  const from = leavesOf(before, switched);
  const to = leavesOf(after, switched);
  const changes: FieldChange[] = [];
  for (const path of new Set([...from.keys(), ...to.keys()])) {
    const a = from.has(path) ? from.get(path) : null;
    const b = to.has(path) ? to.get(path) : null;
    if (!same(a, b)) changes.push({ path, from: a, to: b });
  }
  return changes;
}

/** The leaves a new environment sets: everything but nulls and empty lists. */
export function initialChanges(fields: EnvironmentFields): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [path, value] of leavesOf(fields, false)) {
    if (value === null || (Array.isArray(value) && value.length === 0)) continue;
    changes.push({ path, from: null, to: value });
  }
  return changes;
}
