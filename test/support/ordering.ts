/**
 * The order of every list in the API: created_at descending, ties broken by id
 * descending, both compared bytewise (ASCII ids and ISO timestamps), whatever
 * the database's collation.
 */

/** Bytewise comparison of two ASCII strings. */
export const byteCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Negative when `a` comes before `b` in a list of environments: newest first, then id descending. */
export const listOrder = (a: { created_at: string; id: string }, b: { created_at: string; id: string }): number =>
  a.created_at !== b.created_at ? byteCompare(b.created_at, a.created_at) : byteCompare(b.id, a.id);

/** `items` in list order (a sorted copy). */
export const inListOrder = <T extends { created_at: string; id: string }>(items: readonly T[]): T[] => [...items].sort(listOrder);
