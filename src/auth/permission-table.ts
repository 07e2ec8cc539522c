import type { RouteDeclaration } from './route-access';

const WHO: Record<string, string> = {
  public: 'anyone, no key',
  read: 'read, write, admin',
  write: 'write, admin',
  admin: 'admin',
};

const WORKER: Record<string, string> = { environment_key: "the environment's environment key", work_secret: "the item's work secret" };

function needs(route: RouteDeclaration): string {
  const apiKey = route.credentials.apiKey ? [route.access ?? 'UNDECLARED'] : [];
  return [...apiKey, ...route.credentials.worker].join(', ') || 'UNDECLARED';
}

function who(route: RouteDeclaration): string {
  const apiKey = route.credentials.apiKey ? [WHO[route.access ?? ''] ?? 'nobody'] : [];
  return [...apiKey, ...route.credentials.worker.map((credential) => WORKER[credential])].join('; ') || 'nobody';
}

/**
 * The permission model as a Markdown table, one row per route, from the
 * routes' own `@Access` declarations (docs/security.md embeds it; a test
 * keeps it current).
 */
export function permissionTable(routes: readonly RouteDeclaration[]): string {
  const rows = routes.map((route) => `| \`${route.method} ${route.path}\` | ${needs(route)} | ${who(route)} |`);
  return ['| route | needs | keys that may call it |', '|---|---|---|', ...rows].join('\n');
}
