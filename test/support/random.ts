/**
 * Seeded randomness for tests: the same seed gives the same sequence, so a
 * failing case can be reproduced from the seed in the test.
 */

/** A number in [0, 1), like Math.random. */
export type Rng = () => number;

/** mulberry32: a small, fast PRNG with a 32-bit state. */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `items`, chosen by `random`. */
export const pick = <T>(random: Rng, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** An integer in [0, max). */
export const int = (random: Rng, max: number): number => Math.floor(random() * max);
