import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng';
import { initWeights } from '../../src/engine/init';

// An independent xoshiro128** + splitmix32 in BigInt arithmetic, so no 32-bit JS trick is shared.
const M = 0xffffffffn;
const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;

class BigXoshiro {
  s: bigint[];
  constructor(state: bigint[]) {
    this.s = state;
  }
  static seeded(seed: number): BigXoshiro {
    const big = BigInt(seed);
    let state = big & M;
    const hi = (big >> 32n) & M;
    const splitmix = (): bigint => {
      state = (state + 0x9e3779b9n) & M;
      let z = state;
      z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M;
      z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M;
      return z ^ (z >> 16n);
    };
    const s0 = splitmix();
    const s1 = splitmix();
    state ^= hi;
    return new BigXoshiro([s0, s1, splitmix(), splitmix()]);
  }
  nextUint32(): bigint {
    const s = this.s;
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return result;
  }
  uniform(): number {
    const a = this.nextUint32() >> 5n;
    const b = this.nextUint32() >> 6n;
    return Number((a << 26n) | b) / 2 ** 53;
  }
}

test('the BigInt oracle reproduces the published xoshiro128** vectors from state 1, 2, 3, 4', () => {
  const x = new BigXoshiro([1n, 2n, 3n, 4n]);
  assert.deepEqual([x.nextUint32(), x.nextUint32(), x.nextUint32()], [11520n, 0n, 5927040n]);
});

test('Rng.next matches the BigInt oracle bit for bit, for 32-bit, 53-bit and negative seeds', () => {
  for (const seed of [0, 1, 42, -1, -12345, 2 ** 32 - 1, 2 ** 32 + 5, 2 ** 53 - 1]) {
    const rng = new Rng(seed);
    const oracle = BigXoshiro.seeded(seed);
    for (let i = 0; i < 1000; i++) {
      const u = rng.next();
      assert.strictEqual(u, oracle.uniform(), `seed ${seed}, draw ${i}`);
      assert.ok(u >= 0 && u < 1);
    }
  }
});

test('Rng.normal is the polar method on those uniforms', () => {
  const rng = new Rng(7);
  const oracle = BigXoshiro.seeded(7);
  const expected: number[] = [];
  while (expected.length < 2000) {
    const u = 2 * oracle.uniform() - 1;
    const v = 2 * oracle.uniform() - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    expected.push(u * f, v * f);
  }
  for (const e of expected) assert.strictEqual(rng.normal(), e);
});

test('Rng.normal has mean 0 and std 1', () => {
  const rng = new Rng(123);
  const n = 100000;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    sum += z;
    squares += z * z;
  }
  const mean = sum / n;
  // 5 standard errors: 5/√n ≈ 0.016 for the mean, 5·√(2/n) ≈ 0.022 for the variance.
  assert.ok(Math.abs(mean) < 0.016, `mean ${mean}`);
  assert.ok(Math.abs(squares / n - mean * mean - 1) < 0.022, `var ${squares / n}`);
});

test('different seeds give different streams; bad seeds are refused', () => {
  assert.notStrictEqual(new Rng(1).next(), new Rng(2).next());
  assert.throws(() => new Rng(NaN), /seed must be a finite number/);
});

test('initWeights: same seed gives identical bytes, and each scheme scales N(0,1)', () => {
  const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const a = initWeights([30, 20], 'he', new Rng(5));
  const b = initWeights([30, 20], 'he', new Rng(5));
  assert.ok(bytes(a.data).equals(bytes(b.data)));
  assert.deepEqual(a.shape, [30, 20]);

  const expect = (scheme: 'normal' | 'he' | 'xavier', scale: number, std?: number): void => {
    const w = initWeights([30, 20], scheme, new Rng(9), std);
    const ref = new Rng(9);
    for (let i = 0; i < w.data.length; i++) assert.strictEqual(w.data[i], scale * ref.normal(), `${scheme} element ${i}`);
  };
  expect('normal', 0.01);
  expect('normal', 0.5, 0.5);
  expect('he', Math.sqrt(2 / 30));
  expect('xavier', Math.sqrt(1 / 30));

  const rng = new Rng(3);
  const z = initWeights([4, 6], 'zeros', rng);
  assert.ok(z.data.every((v) => Object.is(v, 0)));
  assert.strictEqual(rng.next(), new Rng(3).next(), 'zeros draws nothing');
});
