// Max-|·| pooling and the 2-D view of tensors, on matrices small enough to check by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellBlock, matrixShape, poolMaxAbs } from '../../webview/downsample';

test('matrixShape: rank 0 and 1 become one row, rank > 2 folds into [shape[0], rest]', () => {
  assert.deepEqual(matrixShape([]), { rows: 1, cols: 1 });
  assert.deepEqual(matrixShape([7]), { rows: 1, cols: 7 });
  assert.deepEqual(matrixShape([4, 5]), { rows: 4, cols: 5 });
  assert.deepEqual(matrixShape([2, 3, 4, 5]), { rows: 2, cols: 60 });
});

test('a matrix within the budget is drawn as is', () => {
  const data = Float64Array.from([1, -2, 3, -4, 5, -6]);
  const g = poolMaxAbs(data, 2, 3, 3);
  assert.deepEqual([g.rows, g.cols, g.rowFactor, g.colFactor], [2, 3, 1, 1]);
  assert.deepEqual([...g.values], [1, -2, 3, -4, 5, -6]);
  assert.deepEqual([...g.sourceIndex], [0, 1, 2, 3, 4, 5]);
});

test('pooling keeps each block’s largest |v| with its sign, and where it came from', () => {
  // 5×4 with budget 2: blocks of 3 rows × 2 columns; the last block row has 2 rows only.
  // prettier-ignore
  const data = Float64Array.from([
    0.1, -0.2,   3,   -1,
    0.5,  -7,    2,    0,
    0.3,  0.2,  -4,    1,
    -9,    8,    0.5, 0.25,
    1,     2,   -0.5, -0.75,
  ]);
  const g = poolMaxAbs(data, 5, 4, 2);
  assert.deepEqual([g.rows, g.cols, g.rowFactor, g.colFactor], [2, 2, 3, 2]);
  assert.deepEqual([...g.values], [-7, -4, -9, -0.75]);
  assert.deepEqual([...g.sourceIndex], [5, 10, 12, 19]);
  assert.deepEqual(cellBlock(g, 1, 1), { r0: 3, r1: 5, c0: 2, c1: 4 });
});

test('a NaN wins its block, so it stays visible; ±Infinity beats any finite value', () => {
  const data = Float64Array.from([1e300, NaN, -Infinity, 5]);
  const g = poolMaxAbs(data, 1, 4, 2);
  assert.deepEqual([...g.values], [NaN, -Infinity]);
  assert.deepEqual([...g.sourceIndex], [1, 2]);
});

test('784×50 at budget 400 pools to 392×50 in blocks of two rows', () => {
  const data = new Float64Array(784 * 50);
  data[301 * 50 + 17] = -0.5;
  data[300 * 50 + 17] = 0.25;
  const g = poolMaxAbs(data, 784, 50, 400);
  assert.deepEqual([g.rows, g.cols, g.rowFactor, g.colFactor], [392, 50, 2, 1]);
  assert.equal(g.values[150 * 50 + 17], -0.5);
  assert.equal(g.sourceIndex[150 * 50 + 17], 301 * 50 + 17);
  assert.deepEqual(cellBlock(g, 150, 17), { r0: 300, r1: 302, c0: 17, c1: 18 });
});
