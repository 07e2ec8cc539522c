import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from '../database/database';
import { timestampOf } from '../common/rows';
import { canonicalJson } from './canonical-json';

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

/** Checkpoint files in a directory, oldest first (file names sort by time). */
export function readCheckpoints(dir: string): { file: string; checkpoint: Checkpoint }[] {
  if (!existsSync(dir)) throw new CheckpointError(`checkpoint directory ${dir} does not exist`);
  return readdirSync(dir)
    .filter((name) => /^checkpoint-.*\.json$/.test(name))
    .sort()
    .map((name) => {
      try {
        return { file: name, checkpoint: JSON.parse(readFileSync(join(dir, name), 'utf8')) as Checkpoint };
      } catch {
        throw new CheckpointError(`${name} is not a readable checkpoint file`);
      }
    });
}

export async function currentHeads(sql: Sql): Promise<CheckpointDigest['heads']> {
  // Every chain head, also one whose organization row is gone (named by its id then).
  const rows = await sql.query<{ organization_id: string; organization: string | null; chain_seq: number | string; hash: string; event_position: number | string }>(
    `SELECT h.organization_id, o.name AS organization, h.chain_seq, h.hash, h.event_position
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

/** Writes a new signed checkpoint of the current heads into `dir`, chained to the newest one there. */
export async function writeCheckpoint(sql: Sql, dir: string, privateKey: KeyObject, now: string): Promise<{ file: string; checkpoint: Checkpoint }> {
  mkdirSync(dir, { recursive: true });
  const existing = readCheckpoints(dir);
  const previous = existing.length ? existing[existing.length - 1].checkpoint : null;
  const digest: CheckpointDigest = {
    type: 'sandbase_audit_checkpoint',
    format: 1,
    created_at: timestampOf(now),
    heads: await currentHeads(sql),
    previous_signature: previous?.signature ?? null,
  };
  const checkpoint = signDigest(digest, privateKey);
  const file = `checkpoint-${digest.created_at.replace(/[:.]/g, '-')}.json`;
  const tmp = join(dir, `.${file}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o444 });
  renameSync(tmp, join(dir, file));
  return { file, checkpoint };
}
