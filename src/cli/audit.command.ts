import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportVersions } from '../audit/audit-export';
import { verifyAudit } from '../audit/audit-verify';
import { CheckpointError, loadPrivateKey, loadPublicKey, writeCheckpoint } from '../audit/checkpoints';
import type { Clock } from '../common/clock';
import { ConfigError, type AppConfig } from '../config/config';
import type { Database } from '../database/database';
import { isStorableInstant, millisecondBound } from '../common/page-cursor';
import { ParsedArgs, UsageError } from './args';
import { lineWriter } from './output';

export const AUDIT_USAGE = `audit verify [--org <name>] [--checkpoints <dir>] [--json]
                                    recompute the hash chains; exit 1 naming the first bad event
audit checkpoint --dir <dir>        write a signed digest of every chain head (store it off the database)
audit keygen --dir <dir>            create an Ed25519 key pair for checkpoints
audit export [--since <rfc3339>] [--org <name>]
                                    stream the audit history as NDJSON, oldest first`;

/** Reads and parses a key file named by `variable`, failing in one sentence that names both. */
function loadKey<K>(path: string, variable: string, parse: (pem: string) => K, kind: string): K {
  if (!existsSync(path)) throw new ConfigError(`${variable}: ${path} does not exist`);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`${variable}: cannot read ${path}${code === 'EISDIR' ? ' (it is a directory)' : `: ${(error as Error).message}`}`);
  }
  try {
    return parse(pem);
  } catch (error) {
    const reason = error instanceof CheckpointError ? error.message : `it is not a PEM ${kind}`;
    throw new ConfigError(`${variable}: ${path}: ${reason}`);
  }
}

const signingKey = (path: string) => loadKey(path, 'SANDBASE_AUDIT_SIGNING_KEY_FILE', loadPrivateKey, 'Ed25519 private key');

/** The key that checks checkpoint signatures: the public key file, or else the public half of the signing key. */
function publicKeyFrom(config: AppConfig): KeyObject | undefined {
  if (config.audit.publicKeyFile) {
    return loadKey(config.audit.publicKeyFile, 'SANDBASE_AUDIT_PUBLIC_KEY_FILE', loadPublicKey, 'Ed25519 public key');
  }
  if (config.audit.signingKeyFile) return createPublicKey(signingKey(config.audit.signingKeyFile));
  return undefined;
}

function option(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

export async function runAuditCommand(db: Database, config: AppConfig, clock: Clock, args: ParsedArgs): Promise<number> {
  const action = args.positional[1];
  switch (action) {
    case 'verify': {
      const checkpointsDir = option(args, 'checkpoints');
      const report = await db.session((s) =>
        s.transaction(
          (tx) => verifyAudit(tx, { organization: option(args, 'org'), checkpointsDir, publicKey: checkpointsDir ? publicKeyFrom(config) : undefined }),
          'read',
        ),
      );
      if (args.options.get('json') === true) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        for (const org of report.organizations) {
          process.stdout.write(
            org.valid
              ? `ok      ${org.organization_id}: ${org.events_checked} events, head ${org.head ? `#${org.head.chain_seq} ${org.head.hash}` : 'empty'}\n`
              : `FAILED  ${org.organization_id}: ${org.problem!.message}\n`,
          );
        }
        for (const problem of report.problems) process.stdout.write(`FAILED  ${problem}\n`);
        if (report.checkpoints) {
          const newest = report.checkpoints.newest ? `, the newest made ${report.checkpoints.newest}` : '';
          process.stdout.write(`checkpoints: ${report.checkpoints.checked} checked${newest}\n`);
          for (const problem of report.checkpoints.problems) process.stdout.write(`FAILED  ${problem}\n`);
        }
        process.stdout.write(report.valid ? 'audit log verifies\n' : 'audit log does NOT verify\n');
      }
      return report.valid ? 0 : 1;
    }
    case 'checkpoint': {
      const dir = option(args, 'dir');
      if (!dir) throw new UsageError('audit checkpoint needs --dir <directory>');
      if (!config.audit.signingKeyFile) throw new UsageError('audit checkpoint needs SANDBASE_AUDIT_SIGNING_KEY_FILE');
      const key = signingKey(config.audit.signingKeyFile);
      const { file, checkpoint } = await db.session((s) =>
        s.transaction((tx) => writeCheckpoint(tx, dir, key, () => clock.now()), 'read'),
      );
      process.stdout.write(`wrote ${join(dir, file)} (${checkpoint.heads.length} organization chain heads)\n`);
      return 0;
    }
    case 'keygen': {
      const dir = option(args, 'dir');
      if (!dir) throw new UsageError('audit keygen needs --dir <directory>');
      mkdirSync(dir, { recursive: true });
      const privatePath = join(dir, 'audit-signing-key.pem');
      const publicPath = join(dir, 'audit-public-key.pem');
      if (existsSync(privatePath)) throw new UsageError(`${privatePath} already exists; refusing to overwrite it`);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(privatePath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      writeFileSync(publicPath, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
      process.stdout.write(`wrote ${privatePath} (keep it secret) and ${publicPath}\n`);
      return 0;
    }
    case 'export': {
      const since = option(args, 'since');
      if (since !== undefined && !isStorableInstant(since)) throw new UsageError('--since must be an RFC 3339 timestamp');
      const write = lineWriter(process.stdout);
      await exportVersions(
        db,
        { since: since === undefined ? undefined : millisecondBound(since, 'lower'), organization: option(args, 'org') },
        write,
      );
      await write.finish();
      return 0;
    }
    default:
      throw new UsageError(`unknown audit action ${JSON.stringify(action ?? '')}`);
  }
}
