// Independent random streams derived from one spec seed: random input, random target, each layer's
// init and each dropout layer's masks draw from their own Rng, so changing the input (say its shape)
// leaves the initial weights as they were, and changing one layer leaves the others' draws alone.
import { Rng } from '../engine/rng';

/** The streams a spec draws from. */
const STREAM = { input: 1, target: 2, init: 3, dropout: 4 } as const;

/** Name of a stream. */
export type StreamName = keyof typeof STREAM;

/**
 * Seed of stream `name` for item `index` (the layer's position in `layers`; 0 for input and target).
 * With seed = hi·2³² + lo: fmix32(fmix32(fmix32(lo ⊕ stream·0x9e3779b9) ⊕ hi) + (index+1)·0x85ebca6b),
 * all in uint32 arithmetic, where fmix32 is MurmurHash3's finalizer (a bijection, so distinct seeds
 * give distinct streams).
 */
export function streamSeed(seed: number, name: StreamName, index = 0): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = fmix32((lo ^ Math.imul(STREAM[name], 0x9e3779b9)) >>> 0);
  h = fmix32((h ^ hi) >>> 0);
  return fmix32((h + Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

/** A fresh Rng for stream `name`, item `index`. */
export function streamRng(seed: number, name: StreamName, index = 0): Rng {
  return new Rng(streamSeed(seed, name, index));
}

/** MurmurHash3's 32-bit finalizer. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
