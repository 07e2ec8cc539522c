import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, SubCommand } from 'nest-commander';
import { CliCommand, ExitCode, given } from '../cli-command';
import { print } from '../output';

@SubCommand({ name: 'keygen', description: 'create an Ed25519 key pair for checkpoints' })
export class KeygenCommand extends CliCommand<{ dir: string }> {
  protected async execute(_: string[], { dir }: { dir: string }): Promise<ExitCode> {
    mkdirSync(dir, { recursive: true });
    const privatePath = join(dir, 'audit-signing-key.pem');
    const publicPath = join(dir, 'audit-public-key.pem');
    if (existsSync(privatePath)) this.usageError(`${privatePath} already exists; refusing to overwrite it`);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(privatePath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    writeFileSync(publicPath, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
    print(`wrote ${privatePath} (keep it secret) and ${publicPath}`);
    return 0;
  }

  @Option({ flags: '--dir <dir>', description: 'where to write the two key files', required: true })
  parseDir(value: string): string {
    return given(value);
  }
}
