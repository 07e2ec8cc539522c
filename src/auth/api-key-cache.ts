import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import type { Scope } from './domain/scope';
import type { WorkerCredential } from '../common/route-access';

/**
 * Who a secret authenticates: an API key (its id, organization and scope),
 * or a self-hosted worker (`credential` set): an environment key (its id in
 * `apiKeyId`) or the work secret of one item (the item's id in `apiKeyId`
 * and `workId`), bound to one environment. Worker principals pass only
 * routes that declare their credential (see `@Credentials`); their `scope`
 * is never consulted.
 */
export interface Principal {
  apiKeyId: string;
  organizationId: string;
  scope: Scope;
  credential?: WorkerCredential;
  environmentId?: string;
  workId?: string;
}

interface Entry {
  principal: Principal;
  /** Monotonic time (performance.now()) after which the entry is stale: the lookup's start plus the TTL. */
  freshUntil: number;
  /** Clock time (epoch ms) at which the key, or the rotated-out secret, stops working: the entry ends there too. */
  validUntil: number;
}

/** A lookup in flight: its result may be cached only if no key changed since it started. */
export interface LookupTicket {
  readonly generation: number;
  readonly startedAt: number;
}

/**
 * Recently authenticated secrets, by the secret's hash, so that a request
 * with a known key does not read the key table. Bounded twice:
 *
 * - in size: at most `maxEntries`, least recently used out first;
 * - in time: an entry lives at most `ttlMs` (at most 1 s) after the lookup
 *   that filled it started, and never past the key's `expires_at` (or, for
 *   a rotated-out secret, past its grace period).
 *
 * Only keys that work are cached. An unknown, revoked or expired secret is
 * looked up every time: caching refusals would let anyone spraying random
 * secrets push good entries out and grow the cache, and a refusal costs one
 * indexed read, the same as without a cache.
 *
 * A key command of this process (create, rotate, revoke) empties the cache
 * once it has committed, and a lookup that was in flight meanwhile does not
 * store its (possibly older) answer: on this instance a change is in force
 * for the very next request. Other processes (instances on the same
 * database, the operator's CLI) see it when their entries run out, within
 * the TTL.
 */
@Injectable()
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  readonly ttlMs: number;
  readonly maxEntries: number;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'keyCache'>) {
    this.ttlMs = config.keyCache.ttlMs;
    this.maxEntries = config.keyCache.maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The principal cached for this hash, if still fresh and the key still valid at `nowMs` (clock time). */
  get(hash: string, nowMs: number): Principal | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    if (performance.now() >= entry.freshUntil || nowMs >= entry.validUntil) {
      this.entries.delete(hash);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    return entry.principal;
  }

  /** Taken before reading the key: ties the answer to the cache's state at that moment. */
  ticket(): LookupTicket {
    return { generation: this.generation, startedAt: performance.now() };
  }

  /** Stores a working key found by a lookup that started at `ticket`; `validUntil`: when the key (or secret) stops working. */
  set(hash: string, principal: Principal, validUntil: number, ticket: LookupTicket): void {
    if (this.ttlMs === 0 || this.maxEntries === 0 || ticket.generation !== this.generation) return;
    this.entries.delete(hash);
    while (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(hash, { principal, freshUntil: ticket.startedAt + this.ttlMs, validUntil });
  }

  /** After a key changed (committed): nothing cached before survives, nor any lookup still in flight. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }
}
