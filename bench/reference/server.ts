/**
 * The reference the benchmark compares Sandbase with: what a bare Fastify +
 * better-sqlite3 server does for the same routes and the same JSON shapes,
 * with the same durability (WAL, synchronous=FULL: every commit is fsynced
 * before its answer). No framework beyond Fastify, no cache, no batching:
 * each write is one transaction of its own (read the row, merge, append one
 * event row, write the row), each request looks its key up by SHA-256 hash.
 *
 * Environment: REFERENCE_DATABASE (file path), PORT, HOST, REFERENCE_API_KEY
 * (created on start when absent). Not part of the service; see BENCHMARKS.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify, { FastifyReply, FastifyRequest } from 'fastify';

const db = new Database(process.env.REFERENCE_DATABASE ?? './reference.sqlite');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 10000');
db.exec(`
  CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL, revoked_at TEXT);
  CREATE TABLE IF NOT EXISTS environments (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    config TEXT NOT NULL, metadata TEXT NOT NULL, version INTEGER NOT NULL, archived_at TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
  CREATE UNIQUE INDEX IF NOT EXISTS environments_org_name ON environments (organization_id, name);
  CREATE INDEX IF NOT EXISTS environments_org_created ON environments (organization_id, created_at DESC, id DESC);
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, version INTEGER NOT NULL,
    organization_id TEXT NOT NULL, api_key_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    recorded_at TEXT NOT NULL, UNIQUE (stream_id, version));
`);

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function newId(prefix: string): string {
  let out = prefix;
  for (const byte of randomBytes(24)) out += BASE62[byte % 62];
  return out;
}
const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

const bootstrap = process.env.REFERENCE_API_KEY;
if (bootstrap) {
  db.prepare('INSERT OR IGNORE INTO api_keys (id, organization_id, key_hash, created_at) VALUES (?, ?, ?, ?)').run(
    newId('apikey_'),
    'org_reference',
    hashKey(bootstrap),
    new Date().toISOString(),
  );
}

const statements = {
  key: db.prepare('SELECT id, organization_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL'),
  insert: db.prepare(
    `INSERT INTO environments (id, organization_id, name, description, config, metadata, version, archived_at, created_at, updated_at)
     VALUES (@id, @organization_id, @name, @description, @config, @metadata, @version, @archived_at, @created_at, @updated_at)`,
  ),
  update: db.prepare(
    `UPDATE environments SET name = @name, description = @description, config = @config, metadata = @metadata,
       version = @version, updated_at = @updated_at WHERE id = @id`,
  ),
  get: db.prepare('SELECT * FROM environments WHERE id = ? AND organization_id = ?'),
  append: db.prepare(
    `INSERT INTO events (stream_id, version, organization_id, api_key_id, type, data, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ),
  first: db.prepare(
    `SELECT * FROM environments WHERE organization_id = ? AND archived_at IS NULL
     ORDER BY created_at DESC, id DESC LIMIT ?`,
  ),
  after: db.prepare(
    `SELECT * FROM environments WHERE organization_id = ? AND archived_at IS NULL AND (created_at, id) < (?, ?)
     ORDER BY created_at DESC, id DESC LIMIT ?`,
  ),
  ping: db.prepare('SELECT 1'),
};

interface Row {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  config: string;
  metadata: string;
  version: number;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}
type Json = Record<string, unknown>;
const MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;

function present(row: Row): Json {
  return {
    id: row.id,
    type: 'environment',
    name: row.name,
    description: row.description,
    config: JSON.parse(row.config),
    metadata: JSON.parse(row.metadata),
    scope: 'organization',
    version: row.version,
    archived_at: row.archived_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Metadata patch: null or "" removes a key; keys come back sorted. */
function mergeMetadata(current: Record<string, string>, patch: Record<string, string | null> | undefined): Record<string, string> {
  const merged: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null || value === '') delete merged[key];
    else merged[key] = value;
  }
  if (Object.keys(merged).length > 16) throw new HttpError(400, 'invalid_request_error', 'metadata: at most 16 pairs');
  return Object.fromEntries(Object.keys(merged).sort().map((key) => [key, merged[key]]));
}

function networking(input: Json | null | undefined, current?: Json): Json {
  if (!input) return current ?? { type: 'unrestricted' };
  if (input.type !== 'limited') return { type: 'unrestricted' };
  const base = current?.type === 'limited' ? current : { allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false };
  const hosts = (input.allowed_hosts as string[] | undefined) ?? (base.allowed_hosts as string[]);
  return {
    type: 'limited',
    allowed_hosts: [...new Set(hosts.map((host) => host.toLowerCase()))],
    allow_mcp_servers: (input.allow_mcp_servers as boolean | undefined) ?? base.allow_mcp_servers,
    allow_package_managers: (input.allow_package_managers as boolean | undefined) ?? base.allow_package_managers,
  };
}

/** A cloud config with every default filled in, or the stored one with a patch merged in. */
function mergeConfig(input: Json | null | undefined, current?: Json): Json {
  if (!input) return current ?? mergeConfig({ type: 'cloud' });
  if (current && input.type !== current.type) throw new HttpError(400, 'invalid_request_error', 'config.type cannot change');
  if (input.type === 'self_hosted') return { type: 'self_hosted' };
  const stored = (current?.packages ?? {}) as Record<string, string[]>;
  const sent = (input.packages ?? {}) as Record<string, string[] | null>;
  const packages: Json = { type: 'packages' };
  for (const manager of MANAGERS) packages[manager] = sent[manager] ?? stored[manager] ?? [];
  return { type: 'cloud', networking: networking(input.networking as Json | null, current?.networking as Json), packages };
}

const text = (max: number) => ({ type: 'string', maxLength: max });
const nullable = (schema: Json) => ({ anyOf: [schema, { type: 'null' }] });
const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['cloud', 'self_hosted'] },
    packages: nullable({
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries([
        ['type', { const: 'packages' }],
        ...MANAGERS.map((m) => [m, nullable({ type: 'array', maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 256 } })]),
      ]),
    }),
    networking: nullable({
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { enum: ['unrestricted', 'limited'] },
        allowed_hosts: { type: 'array', maxItems: 256, items: text(253) },
        allow_mcp_servers: { type: 'boolean' },
        allow_package_managers: { type: 'boolean' },
      },
    }),
  },
};
const fieldsSchema = {
  name: { type: 'string', minLength: 1, maxLength: 256 },
  description: nullable(text(1024)),
  metadata: nullable({ type: 'object', maxProperties: 16, additionalProperties: nullable(text(512)) }),
  config: nullable(configSchema),
  scope: nullable({ const: 'organization' }),
};
const createSchema = { type: 'object', additionalProperties: false, required: ['name'], properties: fieldsSchema };
const updateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...fieldsSchema, name: nullable(fieldsSchema.name) },
};

interface Fields {
  name?: string | null;
  description?: string | null;
  metadata?: Record<string, string | null> | null;
  config?: Json | null;
}
interface Principal {
  keyId: string;
  organizationId: string;
}

/** Writes `row`; a clash with the unique name index is a 409. */
function withUniqueName(row: Row, write: () => unknown): void {
  try {
    write();
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new HttpError(409, 'invalid_request_error', `an environment named ${row.name} exists`);
    }
    throw error;
  }
}

const create = db.transaction((principal: Principal, body: Fields): Row => {
  const name = body.name!.trim();
  if (!name) throw new HttpError(400, 'invalid_request_error', 'name must not be blank');
  const now = new Date().toISOString();
  const state = {
    name,
    description: body.description ?? null,
    config: mergeConfig(body.config),
    metadata: mergeMetadata({}, body.metadata ?? undefined),
  };
  const row: Row = {
    id: newId('env_'),
    organization_id: principal.organizationId,
    ...state,
    config: JSON.stringify(state.config),
    metadata: JSON.stringify(state.metadata),
    version: 1,
    archived_at: null,
    created_at: now,
    updated_at: now,
  };
  withUniqueName(row, () => statements.insert.run(row));
  statements.append.run(row.id, 1, row.organization_id, principal.keyId, 'environment.created', JSON.stringify(state), now);
  return row;
});

const update = db.transaction((principal: Principal, id: string, body: Fields): Row => {
  const row = statements.get.get(id, principal.organizationId) as Row | undefined;
  if (!row) throw new HttpError(404, 'not_found_error', `environment ${id} not found`);
  if (row.archived_at) throw new HttpError(400, 'invalid_request_error', 'the environment is archived');
  const name = body.name == null ? row.name : body.name.trim();
  if (!name) throw new HttpError(400, 'invalid_request_error', 'name must not be blank');
  const next: Row = {
    ...row,
    name,
    description: body.description === undefined ? row.description : body.description,
    metadata: JSON.stringify(mergeMetadata(JSON.parse(row.metadata), body.metadata ?? undefined)),
    config: JSON.stringify(mergeConfig(body.config, JSON.parse(row.config))),
  };
  if (next.name === row.name && next.description === row.description && next.metadata === row.metadata && next.config === row.config) {
    return row;
  }
  next.version = row.version + 1;
  next.updated_at = new Date().toISOString();
  statements.append.run(id, next.version, row.organization_id, principal.keyId, 'environment.updated', JSON.stringify(body), next.updated_at);
  withUniqueName(next, () => statements.update.run(next));
  return next;
});

function decodeCursor(page: string): { c: string; i: string } {
  try {
    if (!page.startsWith('page_')) throw new Error();
    const position = JSON.parse(Buffer.from(page.slice(5), 'base64url').toString('utf8')) as { c: unknown; i: unknown };
    if (typeof position.c !== 'string' || typeof position.i !== 'string') throw new Error();
    return { c: position.c, i: position.i };
  } catch {
    throw new HttpError(400, 'invalid_request_error', 'Invalid page cursor');
  }
}

// Unknown fields are refused (400), as Sandbase does, rather than silently dropped.
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ajv: { customOptions: { removeAdditional: false } } });
const principals = new WeakMap<FastifyRequest, Principal>();
const principalOf = (request: FastifyRequest) => principals.get(request)!;
const reply = (res: FastifyReply, row: Row) => res.header('etag', `"${row.version}"`).send(present(row));

app.addHook('onRequest', async (request, res) => {
  res.header('request-id', newId('req_'));
  if (request.url.startsWith('/health/')) return;
  const key = request.headers['x-api-key'];
  const found = typeof key === 'string' ? (statements.key.get(hashKey(key)) as { id: string; organization_id: string } | undefined) : undefined;
  if (!found) throw new HttpError(401, 'authentication_error', 'invalid x-api-key');
  principals.set(request, { keyId: found.id, organizationId: found.organization_id });
});

app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, _request, res) => {
  const status = error instanceof HttpError ? error.status : error.validation ? 400 : (error.statusCode ?? 500);
  const type = error instanceof HttpError ? error.type : status < 500 ? 'invalid_request_error' : 'api_error';
  void res.status(status).send({ type: 'error', error: { type, message: error.message } });
});

app.get('/health/ready', async () => (statements.ping.get(), { status: 'ok', database: 'up' }));

app.post('/v1/environments', { schema: { body: createSchema } }, async (request, res) =>
  reply(res, create(principalOf(request), request.body as Fields)),
);

app.post('/v1/environments/:id', { schema: { body: updateSchema } }, async (request, res) =>
  reply(res, update(principalOf(request), (request.params as { id: string }).id, (request.body ?? {}) as Fields)),
);

app.get('/v1/environments/:id', async (request, res) => {
  const { id } = request.params as { id: string };
  const row = statements.get.get(id, principalOf(request).organizationId) as Row | undefined;
  if (!row) throw new HttpError(404, 'not_found_error', `environment ${id} not found`);
  return reply(res, row);
});

app.get('/v1/environments', async (request) => {
  const query = request.query as { limit?: string; page?: string };
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'invalid_request_error', 'limit must be 1-100');
  const org = principalOf(request).organizationId;
  const rows = (
    query.page ? statements.after.all(org, ...Object.values(decodeCursor(query.page)), limit + 1) : statements.first.all(org, limit + 1)
  ) as Row[];
  const page = rows.slice(0, limit);
  const data = page.map(present);
  if (rows.length <= limit) return { data };
  const last = page[page.length - 1];
  return { data, next_page: `page_${Buffer.from(JSON.stringify({ c: last.created_at, i: last.id })).toString('base64url')}` };
});

async function stop(): Promise<void> {
  await app.close();
  db.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

app.listen({ port: Number(process.env.PORT ?? 8090), host: process.env.HOST ?? '127.0.0.1' }).catch((error: unknown) => {
  process.stderr.write(`reference: failed to start: ${String(error)}\n`);
  process.exit(1);
});
