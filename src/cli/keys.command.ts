import { ApiKeysService } from '../auth/api-keys.service';
import { ParsedArgs, UsageError } from './args';

export const KEYS_USAGE = `keys create --org <name> [--json]   create an API key (and the organization if new); prints the secret once
keys list [--json]                  list API keys (never their secrets)
keys revoke <apikey_id>             revoke a key; it gets 401 at once`;

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export async function runKeysCommand(keys: ApiKeysService, args: ParsedArgs): Promise<number> {
  const [, action, ...rest] = args.positional;
  const json = args.options.get('json') === true;
  switch (action) {
    case 'create': {
      const org = args.options.get('org');
      if (typeof org !== 'string' || !org.trim()) throw new UsageError('keys create needs --org <name>');
      const created = await keys.createKey(org);
      if (json) print(JSON.stringify(created));
      else {
        print(`Created API key ${created.id} in organization "${created.organization}".`);
        print(`Secret (shown only now, store it safely): ${created.key}`);
      }
      return 0;
    }
    case 'list': {
      const list = await keys.listKeys();
      if (json) list.forEach((key) => print(JSON.stringify(key)));
      else if (list.length === 0) print('No API keys.');
      else {
        for (const key of list) {
          const status = key.revoked_at ? `revoked ${key.revoked_at}` : 'active';
          print(`${key.id}  ${key.key_hint}  org=${key.organization}  created ${key.created_at}  ${status}`);
        }
      }
      return 0;
    }
    case 'revoke': {
      const id = rest[0];
      if (!id) throw new UsageError('keys revoke needs the key id (apikey_...)');
      if (!(await keys.revokeKey(id))) {
        process.stderr.write(`No API key with id ${id}\n`);
        return 1;
      }
      print(`Revoked ${id}.`);
      return 0;
    }
    default:
      throw new UsageError(`unknown keys action ${JSON.stringify(action ?? '')}`);
  }
}
