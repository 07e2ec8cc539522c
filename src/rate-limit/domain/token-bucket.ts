/**
 * A token bucket: it holds at most `capacity` tokens and refills continuously
 * at `capacity` tokens per `periodMs`; each request takes one token. A full
 * bucket allows a burst of `capacity` requests, after which requests pass at
 * the refill rate. Pure: the time is an argument.
 */
export interface BucketState {
  /** Tokens left (fractional: the bucket refills continuously). */
  tokens: number;
  /** When `tokens` was computed (milliseconds). */
  at: number;
}

export interface TakeResult {
  allowed: boolean;
  state: BucketState;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Milliseconds until one token is available (0 when one is). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

/** What a bucket holding `tokens` after a request means for the caller. */
export function describeBucket(
  allowed: boolean,
  tokens: number,
  capacity: number,
  periodMs: number,
): Omit<TakeResult, 'state'> {
  const ratePerMs = capacity / periodMs;
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokens)),
    retryAfterMs: tokens >= 1 ? 0 : Math.ceil((1 - tokens) / ratePerMs),
    resetMs: Math.ceil((capacity - tokens) / ratePerMs),
  };
}

/**
 * Takes one token from the bucket (a missing bucket is full) at time `now`.
 * The Redis store runs the same arithmetic in a script (redis-token-buckets.ts).
 */
export function takeToken(previous: BucketState | undefined, now: number, capacity: number, periodMs: number): TakeResult {
  const elapsed = previous ? Math.max(0, now - previous.at) : 0;
  const available = previous ? Math.min(capacity, previous.tokens + (elapsed * capacity) / periodMs) : capacity;
  const allowed = available >= 1;
  const tokens = allowed ? available - 1 : available;
  return { ...describeBucket(allowed, tokens, capacity, periodMs), state: { tokens, at: now } };
}
