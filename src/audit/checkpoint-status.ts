import type { KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Sql, sql } from '../database/database';
import { GENESIS_HASH } from '../event-store/hash-chain';
import { chainOrder, Checkpoint, CheckpointError, CheckpointFile, isCheckpointFileName, parseCheckpoint, signatureValid } from './checkpoints';

/**
 * What the service says about the newest signed checkpoint of one
 * organization's chain (GET /v1/environment_versions/verify, `checkpoint`).
 * Nothing here throws: an unreadable directory, file or key is a problem.
 */
export interface CheckpointStatus {
  /** When the checkpoint was made; null when no checkpoint covers the organization. */
  created_at: string | null;
  file: string | null;
  /** Whether its signature verifies with the audit public key; null without a usable key. */
  signature_valid: boolean | null;
  /** Whether the log still holds, at the signed chain sequence, the hash the checkpoint signed. */
  matches_chain: boolean | null;
  chain_seq: number | null;
  problems: string[];
}

/** The newest checkpoint covering an organization, read from the directory, before it is compared with the log. */
export interface FoundCheckpoint {
  status: CheckpointStatus;
  /** The organization's signed head, when well-formed: compared with the log by `compareWithLog`. */
  head: { chain_seq: number; hash: string } | null;
}

/** chain_seq is an `integer` column: a larger signed sequence is beyond any log. */
const MAX_CHAIN_SEQ = 2 ** 31 - 1;
const DIR = 'the checkpoint directory (SANDBASE_AUDIT_CHECKPOINT_DIR)';
/** Far above any real checkpoint (a few hundred bytes per organization): a larger file is not read. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

function none(problems: string[]): FoundCheckpoint {
  return { status: { created_at: null, file: null, signature_valid: null, matches_chain: null, chain_seq: null, problems }, head: null };
}

/** Every checkpoint file of `dir` that reads and parses; the others are problems. */
async function readDirectory(dir: string): Promise<{ files: CheckpointFile[]; problems: string[] }> {
  const problems: string[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isCheckpointFileName).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code ?? 'unknown error'})`;
    return { files: [], problems: [`${DIR} ${reason}`] };
  }
  const files: CheckpointFile[] = [];
  for (const name of names) {
    try {
      const path = join(dir, name);
      if ((await stat(path)).size > MAX_FILE_BYTES) throw new CheckpointError(`${name} is too large to be a checkpoint`);
      files.push({ file: name, checkpoint: parseCheckpoint(name, await readFile(path, 'utf8')) });
    } catch (error) {
      problems.push(error instanceof CheckpointError ? error.message : `${name} is not a readable checkpoint file`);
    }
  }
  if (names.length === 0) problems.push(`no checkpoints in ${DIR}`);
  return { files, problems };
}

function headOf(checkpoint: Checkpoint, organizationId: string): Record<string, unknown> | undefined {
  return (checkpoint.heads as unknown as Record<string, unknown>[]).find((head) => head.organization_id === organizationId);
}

/**
 * The newest checkpoint of `dir`, in the checkpoints' own chain order (see
 * chainOrder), whose heads include `organizationId`, with its signature
 * checked by the key `publicKey` returns (which may throw: a key that cannot
 * be loaded is a problem too).
 */
export async function newestCheckpointFor(dir: string, organizationId: string, publicKey: () => KeyObject | undefined): Promise<FoundCheckpoint> {
  const { files, problems } = await readDirectory(dir);
  const { ordered, problems: orderProblems } = chainOrder(files);
  problems.push(...orderProblems);
  const newest = [...ordered].reverse().find((entry) => headOf(entry.checkpoint, organizationId) !== undefined);
  if (!newest) {
    if (files.length) problems.push('no checkpoint covers this organization (its chain had no events when they were made)');
    return none(problems);
  }
  const { file, checkpoint } = newest;
  const head = headOf(checkpoint, organizationId)!;
  const wellFormed = Number.isSafeInteger(head.chain_seq) && (head.chain_seq as number) >= 0 && typeof head.hash === 'string';
  if (!wellFormed) problems.push(`${file}: the head of this organization is malformed (no chain_seq and hash)`);
  let valid: boolean | null = null;
  try {
    const key = publicKey();
    if (key) valid = signatureValid(checkpoint, key);
    else problems.push('no audit public key is configured (SANDBASE_AUDIT_PUBLIC_KEY_FILE or SANDBASE_AUDIT_SIGNING_KEY_FILE): the signature was not checked');
  } catch (error) {
    problems.push(`the signature was not checked: ${(error as Error).message}`);
  }
  if (valid === false) problems.push(`${file}: signature does not verify (the checkpoint was altered or signed with another key)`);
  return {
    status: {
      created_at: checkpoint.created_at,
      file,
      signature_valid: valid,
      matches_chain: null,
      chain_seq: wellFormed ? (head.chain_seq as number) : null,
      problems,
    },
    head: wellFormed ? { chain_seq: head.chain_seq as number, hash: head.hash as string } : null,
  };
}

/** Sets `matches_chain`: whether the log holds, at the signed sequence, the hash the checkpoint signed. */
export async function compareWithLog(db: Sql, organizationId: string, found: FoundCheckpoint): Promise<CheckpointStatus> {
  const { status, head } = found;
  if (!head) return status;
  const problems = [...status.problems];
  let stored: string | null = head.chain_seq > MAX_CHAIN_SEQ ? null : GENESIS_HASH;
  if (head.chain_seq > 0 && head.chain_seq <= MAX_CHAIN_SEQ) {
    const rows = await db.query<{ hash: string }>(
      sql`SELECT hash FROM events WHERE organization_id = ${organizationId} AND chain_seq = ${head.chain_seq}`,
    );
    stored = rows.length ? rows[0].hash : null;
  }
  if (stored === null) {
    const [end] = await db.query<{ seq: number | string | null }>(sql`SELECT MAX(chain_seq) AS seq FROM events WHERE organization_id = ${organizationId}`);
    problems.push(`${status.file} signed chain sequence ${head.chain_seq}, but the log ends at ${Number(end?.seq ?? 0)}: newest events were removed`);
  } else if (stored !== head.hash) {
    problems.push(`the chain at sequence ${head.chain_seq} differs from the one ${status.file} signed: events at or before it were rewritten`);
  }
  return { ...status, matches_chain: stored === head.hash, problems };
}
