import type { RouteAccess } from '../common/route-access';
import type { Scope } from './domain/scope';

export { DEFAULT_SCOPE, isScope, SCOPES, scopeAllows } from './domain/scope';
export type { Scope } from './domain/scope';
export { Access, ROUTE_ACCESS } from '../common/route-access';
export type { RouteAccess } from '../common/route-access';

/** The scopes a route may require are exactly the keys' scopes (checked by the compiler both ways). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const SCOPES_MATCH_ROUTE_ACCESS: Same<Scope, Exclude<RouteAccess, 'public'>> = true;
