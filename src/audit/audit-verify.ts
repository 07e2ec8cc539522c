import type { KeyObject } from 'node:crypto';
import { sql as fragment, type Sql } from '../database/database';
import { ChainVerification, organizationIds, verifyOrganizationChain } from './audit-chain';
import { chainOrder, readCheckpoints, signatureValid } from './checkpoints';

export interface AuditReport {
  valid: boolean;
  organizations: Omit<ChainVerification, 'hashes_at'>[];
  /** Problems outside any one chain: an organization row missing or unknown. */
  problems: string[];
  /** `newest`: when the last checkpoint of the chain was made, to tell whether checkpoints are still being written. */
  checkpoints: { checked: number; newest: string | null; problems: string[] } | null;
}

/**
 * Verifies the hash chain of every organization (or one), and, given a
 * directory of signed checkpoints, that each checkpoint is authentic, that no
 * checkpoint is missing from the sequence, and that the log still contains
 * exactly the chain each checkpoint signed: this catches removal of the newest
 * events and a chain recomputed by someone with write access to the database.
 */
export async function verifyAudit(
  sql: Sql,
  options: {
    organization?: string;
    checkpointsDir?: string;
    publicKey?: KeyObject;
    /** Called as the chains are read: events checked so far, of how many. */
    onProgress?: (done: number, total: number) => void;
  },
): Promise<AuditReport> {
  const problems: string[] = [];
  const wanted = new Map<string, Map<number, { hash: string; file: string }>>();
  let checkpointCount = 0;
  let newest: string | null = null;
  if (options.checkpointsDir !== undefined) {
    if (!options.publicKey) throw new Error('verifying checkpoints needs the audit public (or signing) key');
    const checkpoints = readCheckpoints(options.checkpointsDir);
    checkpointCount = checkpoints.length;
    if (checkpointCount === 0) problems.push(`no checkpoints in ${options.checkpointsDir}`);
    const authentic = checkpoints.filter(({ file, checkpoint }) => {
      if (signatureValid(checkpoint, options.publicKey!)) return true;
      problems.push(`${file}: signature does not verify (the checkpoint was altered or signed with another key)`);
      return false;
    });
    const { ordered, problems: chainProblems } = chainOrder(authentic);
    problems.push(...chainProblems);
    newest = ordered.length ? ordered[ordered.length - 1].checkpoint.created_at : null;
    for (const { file, checkpoint } of ordered) {
      for (const head of checkpoint.heads) {
        if (options.organization !== undefined && head.organization !== options.organization) continue;
        const perOrg = wanted.get(head.organization_id) ?? new Map<number, { hash: string; file: string }>();
        perOrg.set(head.chain_seq, { hash: head.hash, file });
        wanted.set(head.organization_id, perOrg);
      }
    }
  }
  const organizations: AuditReport['organizations'] = [];
  const general: string[] = [];
  const known = await organizationIds(sql, options.organization);
  if (options.organization !== undefined && known.length === 0) {
    general.push(`no organization named ${JSON.stringify(options.organization)}`);
  }
  let total = 0;
  let done = 0;
  if (options.onProgress) {
    // '' stands for no organization, so that an unknown --org still makes a valid IN list.
    const only = options.organization === undefined ? fragment.empty : fragment` WHERE organization_id IN ${fragment.tuple(['', ...known.map((org) => org.id)])}`;
    const [counts] = await sql.query<{ n: number | string }>(fragment`SELECT COUNT(*) AS n FROM events${only}`);
    total = Number(counts.n);
  }
  const onBatch = options.onProgress && ((read: number) => options.onProgress!((done += read), total));
  for (const org of known) {
    if (org.name === null) {
      general.push(
        `organization ${org.id} has events in the log but no row in organizations: it was removed outside the service`,
      );
    }
    const label = org.name ?? org.id;
    const expected = wanted.get(org.id) ?? new Map();
    const result = await verifyOrganizationChain(sql, org.id, { collectHashesAt: new Set(expected.keys()), onBatch });
    const { hashes_at: hashesAt, ...summary } = result;
    organizations.push(summary);
    wanted.delete(org.id);
    if (!result.valid) continue;
    const end = result.head?.chain_seq ?? 0;
    for (const [seq, { hash, file }] of expected) {
      if (seq === 0) continue;
      if (seq > end) {
        problems.push(`${label}: ${file} signed chain sequence ${seq}, but the log ends at ${end}: newest events were removed`);
      } else if (hashesAt?.get(seq) !== hash) {
        problems.push(`${label}: the chain at sequence ${seq} differs from the one ${file} signed: events at or before it were rewritten`);
      }
    }
  }
  for (const [organizationId] of wanted) {
    problems.push(`organization ${organizationId} is in the checkpoints but no longer in the database`);
  }
  return {
    valid: problems.length === 0 && general.length === 0 && organizations.every((o) => o.valid),
    organizations,
    problems: general,
    checkpoints: options.checkpointsDir !== undefined ? { checked: checkpointCount, newest, problems } : null,
  };
}
