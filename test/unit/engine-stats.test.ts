import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Relu } from '../../src/engine/layers/relu';
import { absPercentiles, maskStats, tensorStats } from '../../src/engine/stats';
import { fromNested, tensor } from '../../src/engine/tensor';

test('tensorStats counts zeros, NaN and infinities, and summarises the finite values', () => {
  const s = tensorStats(tensor([2, 4], Float64Array.from([1, -0, 0, NaN, Infinity, -Infinity, 3, -2])));
  assert.deepEqual(
    { shape: s.shape, count: s.count, zeros: s.zeros, nan: s.nan, posInf: s.posInf, negInf: s.negInf, min: s.min, max: s.max },
    { shape: [2, 4], count: 8, zeros: 2, nan: 1, posInf: 1, negInf: 1, min: -2, max: 3 },
  );
  // Finite values 1, 0, 0, 3, −2: mean 0.4, population variance 13.2 / 5, norm √14.
  assert.ok(Math.abs(s.mean - 0.4) < 1e-15);
  // |1| + 0 + 0 + |3| + |−2| = 6 over 5 finite values.
  assert.strictEqual(s.meanAbs, 6 / 5);
  assert.ok(Math.abs(s.std - Math.sqrt(2.64)) < 1e-15);
  assert.ok(Math.abs(s.l2 - Math.sqrt(14)) < 1e-15);
});

test('tensorStats: no finite values gives NaN figures; huge values do not overflow the norm', () => {
  const s = tensorStats(fromNested([NaN, Infinity]));
  assert.ok([s.mean, s.meanAbs, s.std, s.min, s.max].every(Number.isNaN));
  assert.strictEqual(s.l2, 0);
  const big = tensorStats(fromNested([3e200, 4e200]));
  assert.ok(Math.abs(big.l2 / 5e200 - 1) < 1e-15);
  assert.strictEqual(tensorStats(tensor([0])).count, 0);
  assert.ok(Number.isNaN(tensorStats(tensor([0])).meanAbs));
});

test('tensorStats: meanAbs is the typical magnitude where the mean cancels to 0', () => {
  const s = tensorStats(fromNested([[-0.5, 0.5], [-2, 2]]));
  assert.strictEqual(s.mean, 0);
  assert.strictEqual(s.meanAbs, 1.25);
});

test('maskStats: masked fraction and dead units (masked in every row)', () => {
  const m = maskStats(fromNested([[1, 0, 1], [1, 1, 0], [1, 0, 1]]));
  assert.deepEqual(m, { maskedFraction: 6 / 9, deadUnits: 1, deadFraction: 1 / 3, unit: 'unit' });
  assert.deepEqual(maskStats(tensor([2, 1, 2], Float64Array.from([1, 1, 0, 1]))), { maskedFraction: 0.75, deadUnits: 1, deadFraction: 0.5, unit: 'unit' });
  assert.deepEqual(maskStats(tensor([0, 3])), { maskedFraction: 0, deadUnits: 0, deadFraction: 0, unit: 'unit' });
  const relu = new Relu('Relu1');
  relu.forward(fromNested([[-1, 2], [0, 3]]));
  assert.deepEqual(maskStats(relu.kept().mask), { maskedFraction: 0.5, deadUnits: 1, deadFraction: 0.5, unit: 'unit' });
});

test('maskStats of a mask of images [N, C, H, W] counts dead filters: channels masked at every pixel of every sample', () => {
  // 2 samples, 3 channels of 2 pixels. Channel 0 is masked everywhere; channel 1 everywhere but one
  // pixel of sample 1; channel 2 never. Per pixel·channel column, channel 1's other pixel would be dead.
  const mask = tensor([2, 3, 1, 2], Float64Array.from([1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0]));
  assert.deepEqual(maskStats(mask), { maskedFraction: 7 / 12, deadUnits: 1, deadFraction: 1 / 3, unit: 'filter' });
  const relu = new Relu('Relu1');
  relu.forward(tensor([2, 3, 1, 2], Float64Array.from([-1, -2, -1, -3, 1, 2, 0, -1, -1, 4, 5, 6])));
  assert.deepEqual(maskStats(relu.kept().mask), { maskedFraction: 7 / 12, deadUnits: 1, deadFraction: 1 / 3, unit: 'filter' });
  assert.deepEqual(maskStats(tensor([0, 3, 2, 2])), { maskedFraction: 0, deadUnits: 0, deadFraction: 0, unit: 'filter' });
});

test('absPercentiles: linear interpolation between ranks of |x|; NaN sorts as +Infinity; big tensors are sampled', () => {
  // |x| sorted: 0, 1, 2, 3, 4 → the 25th percentile is rank 1, the 10th is 0.4 of the way from 0 to 1.
  assert.deepEqual([...absPercentiles(Float64Array.from([-3, 0, 4, -1, 2]), [0, 10, 25, 50, 100])], [0, 0.4, 1, 2, 4]);
  assert.deepEqual([...absPercentiles(Float64Array.from([1, NaN, -2]), [0, 50, 100])], [1, 2, Infinity]);
  assert.ok(Number.isNaN(absPercentiles(new Float64Array(0), [50])[0]));
  // 10,000 elements 0..9,999 with at most 100 samples: every 100th, so the max is 9,900.
  const big = Float64Array.from({ length: 10_000 }, (_, i) => i);
  assert.deepEqual([...absPercentiles(big, [0, 100], 100)], [0, 9900]);
});
