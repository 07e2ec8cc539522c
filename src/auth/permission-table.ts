import type { RouteDeclaration } from './route-access';

const WHO: Record<string, string> = {
  public: 'anyone, no key',
  read: 'read, write, admin',
  write: 'write, admin',
  admin: 'admin',
};

/**
 * The permission model as a Markdown table, one row per route, from the
 * routes' own `@Access` declarations (docs/security.md embeds it; a test
 * keeps it current).
 */
export function permissionTable(routes: readonly RouteDeclaration[]): string {
  const rows = routes.map((route) => `| \`${route.method} ${route.path}\` | ${route.access ?? 'UNDECLARED'} | ${WHO[route.access ?? ''] ?? 'nobody'} |`);
  return ['| route | needs | keys that may call it |', '|---|---|---|', ...rows].join('\n');
}
