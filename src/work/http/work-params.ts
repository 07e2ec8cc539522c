import { ApiError } from '../../common/api-error';
import { POLL } from '../work-queue.service';

/** An integer query parameter in [min, max], or undefined when absent; anything else is a 400. */
export function integerParam(name: string, raw: unknown, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw ApiError.badRequest(`${name} must be an integer between ${min} and ${max}`);
  }
  return Number(raw);
}

/** `expected_last_heartbeat`: absent (no precondition), `NO_HEARTBEAT` (none yet), or a previous answer's `last_heartbeat`. */
export function expectedHeartbeat(raw: unknown): string | null | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > 64) throw ApiError.badRequest('expected_last_heartbeat must be NO_HEARTBEAT or a last_heartbeat value');
  return raw === 'NO_HEARTBEAT' ? null : raw;
}

/** The longest `Anthropic-Worker-ID` recorded. */
export const WORKER_ID_MAX = 128;

export function workerId(raw: unknown): string | null {
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || [...raw].length > WORKER_ID_MAX) throw ApiError.badRequest(`Anthropic-Worker-ID must be at most ${WORKER_ID_MAX} characters`);
  return raw;
}

export function pollOptions(query: Record<string, unknown>, worker: unknown) {
  return {
    blockMs: integerParam('block_ms', query.block_ms, 1, POLL.maxBlockMs) ?? 0,
    reclaimOlderThanMs: integerParam('reclaim_older_than_ms', query.reclaim_older_than_ms, 1, 7 * 86_400_000) ?? POLL.defaultReclaimMs,
    workerId: workerId(worker),
  };
}
