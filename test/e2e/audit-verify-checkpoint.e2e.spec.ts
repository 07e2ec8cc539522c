import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from '../../src/database/sql';
import { runCli } from '../support/cli';
import { http, startTestApp, TestApp, withTestApp } from '../support/test-app';

jest.setTimeout(240_000);

const VERIFY = '/v1/environment_versions/verify';

/**
 * GET /v1/environment_versions/verify reports on the newest signed checkpoint
 * of the organization's chain when the service has a checkpoint directory
 * (SANDBASE_AUDIT_CHECKPOINT_DIR): written by `audit checkpoint`, checked
 * with the audit public key and against the log. Nothing in the directory,
 * the key files or the log makes it answer anything but a 200.
 */
describe('the newest checkpoint in the verification answer', () => {
  describe('without a checkpoint directory', () => {
    let t: TestApp;
    withTestApp((app) => (t = app));

    it('is null', async () => {
      await http(t, 'POST', '/v1/environments', { body: { name: 'no-checkpoints' } });
      const answer = await http(t, 'GET', VERIFY);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ valid: true, checkpoint: null });
    });
  });

  describe('with a checkpoint directory and the audit public key', () => {
    let t: TestApp;
    let dir: string;
    let checkpoints: string;
    let keys: string;
    let signing: Record<string, string>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sandbase-verify-checkpoint-'));
      checkpoints = join(dir, 'checkpoints');
      keys = join(dir, 'keys');
      mkdirSync(checkpoints);
      t = await startTestApp({ SANDBASE_AUDIT_CHECKPOINT_DIR: checkpoints, SANDBASE_AUDIT_PUBLIC_KEY_FILE: join(keys, 'audit-public-key.pem') });
      expect((await runCli(['audit', 'keygen', '--dir', keys], {})).code).toBe(0);
      signing = { DATABASE_URL: t.database.url, SANDBASE_AUDIT_SIGNING_KEY_FILE: join(keys, 'audit-signing-key.pem') };
    });
    afterAll(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const verify = async () => {
      const answer = await http(t, 'GET', VERIFY);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    const checkpointFiles = () => readdirSync(checkpoints).filter((f) => f.endsWith('.json')).sort();
    const noCheckpoint = { created_at: null, file: null, signature_valid: null, matches_chain: null, chain_seq: null };

    async function checkpoint(): Promise<string> {
      const before = new Set(checkpointFiles());
      const result = await runCli(['audit', 'checkpoint', '--dir', checkpoints], signing);
      expect(result).toMatchObject({ code: 0 });
      const written = checkpointFiles().filter((f) => !before.has(f));
      expect(written).toHaveLength(1);
      return written[0];
    }

    it('says so while the directory has no checkpoint, or none covers the organization', async () => {
      expect((await verify()).checkpoint).toEqual({ ...noCheckpoint, problems: [expect.stringMatching(/no checkpoints in the checkpoint directory/)] });
      // A checkpoint made before the organization existed does not cover it.
      await checkpoint();
      const other = await t.createKey('checkpointed-later');
      const answer = await http(t, 'GET', VERIFY, { key: other.key });
      expect(answer.body.checkpoint).toEqual({ ...noCheckpoint, problems: [expect.stringMatching(/no checkpoint covers this organization/)] });
    });

    it('reports a checkpoint written by audit checkpoint: signature valid, matching the chain', async () => {
      for (let i = 0; i < 3; i++) await http(t, 'POST', '/v1/environments', { body: { name: `signed-${i}` } });
      const file = await checkpoint();
      const signed = JSON.parse(readFileSync(join(checkpoints, file), 'utf8'));
      const body = await verify();
      expect(body.valid).toBe(true);
      expect(body.checkpoint).toEqual({
        created_at: signed.created_at,
        file,
        signature_valid: true,
        matches_chain: true,
        chain_seq: body.head.chain_seq,
        problems: [],
      });
      // Later changes leave the checkpoint's part of the chain as it was.
      await http(t, 'POST', '/v1/environments', { body: { name: 'after-signing' } });
      const later = await verify();
      expect(later.head.chain_seq).toBeGreaterThan(body.head.chain_seq);
      expect(later.checkpoint).toEqual(body.checkpoint);
    });

    it('reports the newest checkpoint by their own chain, not by file name', async () => {
      const newest = await checkpoint();
      // Renamed to sort first: still the newest, because the others do not name it as their predecessor.
      const renamed = 'checkpoint-0000-renamed.json';
      renameSync(join(checkpoints, newest), join(checkpoints, renamed));
      try {
        expect((await verify()).checkpoint).toMatchObject({ file: renamed, signature_valid: true, matches_chain: true, problems: [] });
      } finally {
        renameSync(join(checkpoints, renamed), join(checkpoints, newest));
      }
    });

    it('a tampered checkpoint file fails its signature', async () => {
      const file = checkpointFiles().at(-1)!;
      const path = join(checkpoints, file);
      const original = readFileSync(path, 'utf8');
      const edited = JSON.parse(original);
      edited.created_at = '2020-01-01T00:00:00.000Z';
      chmodSync(path, 0o644);
      writeFileSync(path, JSON.stringify(edited));
      try {
        const body = await verify();
        expect(body.checkpoint).toMatchObject({ file, created_at: '2020-01-01T00:00:00.000Z', signature_valid: false, matches_chain: true });
        expect(body.checkpoint.problems).toEqual([expect.stringMatching(/signature does not verify/)]);
      } finally {
        writeFileSync(path, original);
      }
      expect((await verify()).checkpoint).toMatchObject({ signature_valid: true, problems: [] });
    });

    it('reports unreadable files, a missing directory and an unusable key as problems, never a 500', async () => {
      writeFileSync(join(checkpoints, 'checkpoint-9999-garbage.json'), '{not json');
      mkdirSync(join(checkpoints, 'checkpoint-9999-a-directory.json'));
      const body = await verify();
      expect(body.checkpoint).toMatchObject({ signature_valid: true, matches_chain: true });
      expect(body.checkpoint.problems.sort()).toEqual([
        'checkpoint-9999-a-directory.json is not a readable checkpoint file',
        'checkpoint-9999-garbage.json is not a readable checkpoint file',
      ]);
      rmSync(join(checkpoints, 'checkpoint-9999-garbage.json'));
      rmSync(join(checkpoints, 'checkpoint-9999-a-directory.json'), { recursive: true });

      const moved = `${checkpoints}-moved`;
      renameSync(checkpoints, moved);
      try {
        expect((await verify()).checkpoint).toEqual({ ...noCheckpoint, problems: ['the checkpoint directory (SANDBASE_AUDIT_CHECKPOINT_DIR) does not exist'] });
      } finally {
        renameSync(moved, checkpoints);
      }

      const publicKey = join(keys, 'audit-public-key.pem');
      renameSync(publicKey, `${publicKey}.away`);
      try {
        const { checkpoint: status } = await verify();
        expect(status).toMatchObject({ signature_valid: null, matches_chain: true });
        expect(status.problems).toEqual(['the signature was not checked: SANDBASE_AUDIT_PUBLIC_KEY_FILE: audit-public-key.pem does not exist']);
        // The answer names files, never the server's directories.
        expect(JSON.stringify(status)).not.toContain(dir);
      } finally {
        renameSync(`${publicKey}.away`, publicKey);
      }
    });

    it('without a public key, the signature is not checked', async () => {
      const keyless = await startTestApp({ SANDBASE_AUDIT_CHECKPOINT_DIR: checkpoints }, { databaseUrl: t.database.url });
      try {
        const answer = await http(keyless, 'GET', VERIFY);
        expect(answer.status).toBe(200);
        expect(answer.body.checkpoint).toMatchObject({ signature_valid: null, matches_chain: true });
        expect(answer.body.checkpoint.problems).toEqual([expect.stringMatching(/no audit public key is configured/)]);
      } finally {
        await keyless.close();
      }
    });

    it('a checkpoint the log no longer matches: newest events removed, or an event rewritten', async () => {
      const organizationId = (await t.db.query<{ id: string }>(sql`SELECT id FROM organizations WHERE name = 'test-org'`))[0].id;
      await http(t, 'POST', '/v1/environments', { body: { name: 'signed-first' } });
      const first = await checkpoint();
      const a = (await verify()).checkpoint.chain_seq;
      await http(t, 'POST', '/v1/environments', { body: { name: 'signed-second' } });
      const second = await checkpoint();
      const b = (await verify()).checkpoint.chain_seq;
      expect(b).toBeGreaterThan(a);

      // Remove the newest event and move the recorded head back: the chain alone still verifies.
      const [previous] = await t.db.query<{ hash: string; position: number | string }>(
        sql`SELECT hash, position FROM events WHERE organization_id = ${organizationId} AND chain_seq = ${b - 1}`,
      );
      await t.db.execute(sql`DELETE FROM events WHERE organization_id = ${organizationId} AND chain_seq = ${b}`);
      await t.db.execute(
        sql`UPDATE audit_chain_heads SET chain_seq = ${b - 1}, hash = ${previous.hash}, event_position = ${Number(previous.position)}
         WHERE organization_id = ${organizationId}`,
      );
      const truncated = await verify();
      expect(truncated.valid).toBe(true);
      expect(truncated.checkpoint).toEqual({
        created_at: expect.any(String),
        file: second,
        signature_valid: true,
        matches_chain: false,
        chain_seq: b,
        problems: [`${second} signed chain sequence ${b}, but the log ends at ${b - 1}: newest events were removed`],
      });

      // Without the newest checkpoint, the one before it is the newest, and still matches; until its event is rewritten.
      renameSync(join(checkpoints, second), join(dir, second));
      expect((await verify()).checkpoint).toMatchObject({ file: first, chain_seq: a, signature_valid: true, matches_chain: true, problems: [] });
      await t.db.execute(sql`UPDATE events SET hash = ${'f'.repeat(64)} WHERE organization_id = ${organizationId} AND chain_seq = ${a}`);
      const rewritten = await verify();
      expect(rewritten.valid).toBe(false);
      expect(rewritten.checkpoint).toEqual({
        created_at: expect.any(String),
        file: first,
        signature_valid: true,
        matches_chain: false,
        chain_seq: a,
        problems: [`the chain at sequence ${a} differs from the one ${first} signed: events at or before it were rewritten`],
      });
    });
  });
});
