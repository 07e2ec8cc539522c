/**
 * An organization has exactly one workspace, implicit, whose id is derived
 * from the organization's: `org_X` has workspace `wrkspc_X`. The
 * `anthropic-workspace-id` header is accepted when it names that workspace
 * and refused (400) when it names any other, rather than silently ignored.
 */
export function workspaceIdOf(organizationId: string): string {
  return `wrkspc_${organizationId.replace(/^org_/, '')}`;
}

export const WORKSPACE_HEADER = 'anthropic-workspace-id';

/** Why the header cannot be accepted for this organization, or null. */
export function workspaceProblem(header: string | string[] | undefined, organizationId: string): string | null {
  if (header === undefined) return null;
  const own = workspaceIdOf(organizationId);
  const values = (Array.isArray(header) ? header : [header]).map((value) => value.trim());
  const other = values.find((value) => value !== own);
  if (other === undefined) return null;
  return `${WORKSPACE_HEADER} names ${JSON.stringify(other)}, but this API key's organization has one workspace, ${own}`;
}
