// Max-|·| pooling and the 2-D view of tensors, on matrices small enough to check by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellBlock, matrixShape, poolMaxAbs, repool } from '../../src/downsample';

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

test('repool: pooling a pooled grid covers whole blocks, and each cell is its block’s largest |v| in the source', () => {
  // Distinct magnitudes, so the largest |v| of a block is one element whichever order it is scanned in.
  const rows = 997;
  const cols = 131;
  const data = Float64Array.from({ length: rows * cols }, (_, i) => ((i * 7919) % (rows * cols)) * (i % 3 === 0 ? -1 : 1));
  const preview = poolMaxAbs(data, rows, cols, 300);
  for (const budget of [300, 120, 50, 7, 1]) {
    const g = repool(preview, budget);
    assert.ok(g.rows <= Math.max(budget, 1) && g.cols <= budget, `${g.rows}×${g.cols} within ${budget}`);
    assert.deepEqual([g.srcRows, g.srcCols], [rows, cols]);
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.cols; c++) {
        const b = cellBlock(g, r, c);
        let best = -1;
        for (let sr = b.r0; sr < b.r1; sr++) for (let sc = b.c0; sc < b.c1; sc++) if (best < 0 || Math.abs(data[sr * cols + sc]) > Math.abs(data[best])) best = sr * cols + sc;
        assert.equal(g.sourceIndex[r * g.cols + c], best, `cell ${r},${c} at budget ${budget}`);
        assert.equal(g.values[r * g.cols + c], data[best]);
      }
    }
  }
  // Within the budget already: the preview itself.
  assert.equal(repool(preview, 1000), preview);
});

test('repool keeps a NaN visible through both poolings', () => {
  const data = new Float64Array(2000 * 10).fill(1);
  data[1234 * 10 + 3] = NaN;
  const g = repool(poolMaxAbs(data, 2000, 10, 1024), 100);
  const at = g.sourceIndex.indexOf(1234 * 10 + 3);
  assert.ok(at >= 0 && Number.isNaN(g.values[at]));
});
