/**
 * Seeded pseudo-random numbers, so that weight init, dropout masks and anything else random in
 * the model is reproducible from one integer seed.
 *
 * The generator is a 32-bit "multiply-xorshift" counter generator in the style of mulberry32:
 * a Weyl sequence (state += odd constant) pushed through an avalanche mix. It is tiny, fast,
 * and statistically good enough for init and augmentation (not for cryptography).
 */

/** Returns numbers uniform in [0, 1). */
export type Rng = () => number;

/** A seeded uniform [0, 1) generator. Any integer (or float, truncated) is a valid seed. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0; // Weyl step: an odd constant visits all 2^32 states
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent seed from a base seed and labels ("expert.seg", 3, ...), so each
 * consumer of randomness gets its own stream and adding one consumer does not shift the others.
 * FNV-1a over the seed and the labels, then a final avalanche.
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const label of [seed >>> 0, ...labels]) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x2f, 0x01000193); // separator, so ("ab","c") differs from ("a","bc")
  }
  // Final avalanche (murmur3 fmix32).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One standard normal sample (Box-Muller; the second value is discarded for simplicity). */
export function randomNormal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log(0) never happens
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** `n` normal samples with the given standard deviation. */
export function normalArray(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = randomNormal(rng) * std;
  return out;
}

/**
 * Inverted-dropout multipliers: each entry is 0 with probability `rate`, else 1 / (1 - rate),
 * so the expected activation is unchanged and inference needs no rescaling.
 */
export function dropoutMask(rng: Rng, n: number, rate: number): Float32Array {
  const out = new Float32Array(n);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < n; i++) out[i] = rng() < rate ? 0 : keep;
  return out;
}
