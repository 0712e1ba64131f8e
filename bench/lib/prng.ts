/**
 * A small seeded PRNG (mulberry32): data sets must be the same on every run and machine so
 * figures stay comparable, and `Math.random` cannot be seeded.
 */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `size` pseudo-random bytes from `seed` (incompressible, so dedup and not compression is measured). */
export function randomBytes(seed: number, size: number): Buffer {
  const next = createPrng(seed);
  const words = new Uint32Array(Math.ceil(size / 4));
  for (let i = 0; i < words.length; i++) words[i] = next();
  return Buffer.from(words.buffer, 0, size);
}

/** A seeded integer in `[0, max)`. */
export function randomInt(next: () => number, max: number): number {
  return next() % max;
}
