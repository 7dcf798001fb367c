// Seeded PRNG, bit-identical on every machine: the state is four uint32 words updated with integer
// ops only (Math.imul, shifts, >>> 0), so no float rounding can differ between platforms.
//
// Algorithm: xoshiro128** (Blackman & Vigna, 2018), its state filled by splitmix32 from the seed.
// next() joins 27 + 26 bits of two outputs into a 53-bit uniform double in [0, 1).
// normal() is the Marsaglia polar method; it needs only Math.sqrt (exactly rounded by IEEE 754)
// and Math.log (V8 uses one fixed fdlibm port, so Node and VS Code agree everywhere).

/** A deterministic random source: the same seed gives the same sequence, bit for bit. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second normal of the last polar pair, waiting to be returned. */
  private spare: number | null = null;

  /** Seeds from an integer (fractions are truncated); all 53 integer bits count. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    const whole = Math.trunc(seed);
    const lo = whole >>> 0;
    const hi = Math.floor(whole / 4294967296) >>> 0;
    let state = lo;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    // s0 and s1 come from distinct splitmix states, so they are never both zero (xoshiro's one bad state).
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    state = (state ^ hi) | 0;
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  /** The next raw 32-bit output of xoshiro128**. */
  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A standard normal N(0, 1) draw (Marsaglia polar method; each accepted pair yields two). */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }
}

/** Rotates a 32-bit word left by k bits. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
