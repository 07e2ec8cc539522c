import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sql, sql } from '../database/database';
import { timestampOf } from '../common/rows';
import { canonicalJson } from '../event-store/canonical-json';

/**
 * A signed digest of every organization's chain head, meant to be stored
 * outside the database (write-once storage, another account). Each one names
 * the signature of the one before it, so the checkpoints form a chain too.
 */
export interface CheckpointDigest {
  type: 'sandbase_audit_checkpoint';
  format: 1;
  created_at: string;
  heads: { organization_id: string; organization: string; chain_seq: number; hash: string; event_position: number }[];
  previous_signature: string | null;
}

export interface Checkpoint extends CheckpointDigest {
  /** Ed25519 over the canonical JSON of the digest (every field but this one), base64. */
  signature: string;
}

export class CheckpointError extends Error {}

export function loadPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new CheckpointError('the audit signing key must be an Ed25519 private key');
  return key;
}

export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new CheckpointError('the audit public key must be an Ed25519 key');
  return key;
}

function digestOf(checkpoint: Checkpoint): CheckpointDigest {
  const { signature: _signature, ...digest } = checkpoint;
  return digest;
}

export function signDigest(digest: CheckpointDigest, privateKey: KeyObject): Checkpoint {
  const signature = sign(null, Buffer.from(canonicalJson(digest)), privateKey).toString('base64');
  return { ...digest, signature };
}

export function signatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(digestOf(checkpoint))), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

export interface CheckpointFile {
  file: string;
  checkpoint: Checkpoint;
}

/** The name checkpoint files have (as `writeCheckpoint` names them). */
export const isCheckpointFileName = (name: string): boolean => /^checkpoint-.*\.json$/.test(name);

/** The checkpoint a file named `name` holds, or a CheckpointError naming the file. */
export function parseCheckpoint(name: string, text: string): Checkpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CheckpointError(`${name} is not a readable checkpoint file`);
  }
  if (!isCheckpointShaped(parsed)) throw new CheckpointError(`${name} is not a checkpoint (a signed JSON object written by audit checkpoint)`);
  return parsed;
}

/** Checkpoint files in a directory, in no particular order (see chainOrder). */
export function readCheckpoints(dir: string): CheckpointFile[] {
  if (!existsSync(dir)) throw new CheckpointError(`checkpoint directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new CheckpointError(`checkpoint directory ${dir} is not a directory`);
  return readdirSync(dir)
    .filter(isCheckpointFileName)
    .sort()
    .map((name) => {
      let text: string;
      try {
        text = readFileSync(join(dir, name), 'utf8');
      } catch {
        throw new CheckpointError(`${name} is not a readable checkpoint file`);
      }
      return { file: name, checkpoint: parseCheckpoint(name, text) };
    });
}

/** Enough of a checkpoint's shape to order and check it; its signature says whether the rest is authentic. */
function isCheckpointShaped(value: unknown): value is Checkpoint {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    record.type === 'sandbase_audit_checkpoint' &&
    typeof record.signature === 'string' &&
    typeof record.created_at === 'string' &&
    (record.previous_signature === null || typeof record.previous_signature === 'string') &&
    Array.isArray(record.heads) &&
    record.heads.every((head) => head !== null && typeof head === 'object' && !Array.isArray(head))
  );
}

/**
 * Orders checkpoints by their own chain (each names the signature of the one
 * before it), not by file name or clock, which an operator's clock can get
 * wrong. One chain is expected: its first checkpoint is the one whose
 * predecessor is not in the directory (older ones may have been pruned).
 * Another such start means a checkpoint in between is missing or was
 * replaced; two checkpoints naming the same predecessor, that one was forked.
 */
export function chainOrder(checkpoints: readonly CheckpointFile[]): { ordered: CheckpointFile[]; problems: string[] } {
  const problems: string[] = [];
  const bySignature = new Map(checkpoints.map((entry) => [entry.checkpoint.signature, entry]));
  const next = new Map<string, CheckpointFile[]>();
  const starts: CheckpointFile[] = [];
  for (const entry of checkpoints) {
    const previous = entry.checkpoint.previous_signature;
    if (previous === null || !bySignature.has(previous)) starts.push(entry);
    else next.set(previous, [...(next.get(previous) ?? []), entry]);
  }
  const byTime = (a: CheckpointFile, b: CheckpointFile) =>
    a.checkpoint.created_at < b.checkpoint.created_at ? -1 : a.checkpoint.created_at > b.checkpoint.created_at ? 1 : a.file < b.file ? -1 : 1;
  starts.sort(byTime);
  const ordered: CheckpointFile[] = [];
  for (const [index, start] of starts.entries()) {
    if (index > 0) problems.push(`${start.file}: does not follow the checkpoint before it (a checkpoint is missing or was replaced)`);
    for (let entry: CheckpointFile | undefined = start; entry; ) {
      ordered.push(entry);
      const children = (next.get(entry.checkpoint.signature) ?? []).sort(byTime);
      for (const fork of children.slice(1)) {
        problems.push(`${fork.file}: a second checkpoint after ${entry.file} (the chain of checkpoints was forked)`);
        ordered.push(fork);
      }
      entry = children[0];
    }
  }
  for (const entry of checkpoints) {
    if (!ordered.includes(entry)) {
      problems.push(`${entry.file}: does not follow the checkpoint before it (a checkpoint is missing or was replaced)`);
      ordered.push(entry);
    }
  }
  return { ordered, problems };
}

export async function currentHeads(db: Sql): Promise<CheckpointDigest['heads']> {
  // Every chain head, also one whose organization row is gone (named by its id then).
  const rows = await db.query<{ organization_id: string; organization: string | null; chain_seq: number | string; hash: string; event_position: number | string }>(
    sql`SELECT h.organization_id, o.name AS organization, h.chain_seq, h.hash, h.event_position
     FROM audit_chain_heads h LEFT JOIN organizations o ON o.id = h.organization_id ORDER BY h.organization_id`,
  );
  return rows.map((row) => ({
    organization_id: row.organization_id,
    organization: row.organization ?? row.organization_id,
    chain_seq: Number(row.chain_seq),
    hash: row.hash,
    event_position: Number(row.event_position),
  }));
}

const LOCK_FILE = '.checkpoint.lock';
const LOCK_WAIT_MS = 30_000;

/**
 * Holds `dir`'s lock file while `work` runs, so that checkpoints written at
 * the same time (overlapping cron runs) are chained one after the other
 * instead of forking. A lock left by a process that no longer runs is taken over.
 */
async function withDirectoryLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, LOCK_FILE);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!lockHolderAlive(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new CheckpointError(`${lock} is held by another audit checkpoint (pid ${readFileSync(lock, 'utf8').trim()}); try again later`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockHolderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    return true; // removed or being written right now: look again
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a new signed checkpoint of the current heads into `dir`, chained to the newest one there. */
export async function writeCheckpoint(sql: Sql, dir: string, privateKey: KeyObject, now: () => string): Promise<{ file: string; checkpoint: Checkpoint }> {
  mkdirSync(dir, { recursive: true });
  return withDirectoryLock(dir, () => writeCheckpointLocked(sql, dir, privateKey, now()));
}

async function writeCheckpointLocked(sql: Sql, dir: string, privateKey: KeyObject, now: string): Promise<{ file: string; checkpoint: Checkpoint }> {
  const { ordered, problems } = chainOrder(readCheckpoints(dir));
  if (problems.length) {
    throw new CheckpointError(`the checkpoints in ${dir} do not form one chain (${problems[0]}); run audit verify --checkpoints ${dir}`);
  }
  const previous = ordered.length ? ordered[ordered.length - 1].checkpoint : null;
  const digest: CheckpointDigest = {
    type: 'sandbase_audit_checkpoint',
    format: 1,
    created_at: timestampOf(now),
    heads: await currentHeads(sql),
    previous_signature: previous?.signature ?? null,
  };
  const checkpoint = signDigest(digest, privateKey);
  // Time first, so that names sort by time; then part of the signature, so two checkpoints never share a name.
  const tag = createHash('sha256').update(checkpoint.signature).digest('hex').slice(0, 12);
  const file = `checkpoint-${digest.created_at.replace(/[:.]/g, '-')}-${tag}.json`;
  const tmp = join(dir, `.${file}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o444 });
  try {
    // A hard link appears complete and never replaces an existing checkpoint (rename would).
    linkSync(tmp, join(dir, file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CheckpointError(`${join(dir, file)} already exists`);
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
  return { file, checkpoint };
}
