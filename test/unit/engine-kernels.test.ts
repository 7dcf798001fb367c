// The pooling, gather and transpose kernels of wasm/kernels.ts against the JavaScript they stand for in the
// fast step (maxPool and unpool, im2col, the transpose-and-add-bias loop), bit for bit, on
// values made to test the rules: NaN and ±Inf anywhere in a window, ties, +0 and −0, padding,
// overlapping windows, an odd number of planes (the pool kernel takes two per instruction) and of elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowTable } from '../../src/engine/fast-step';
import { im2col } from '../../src/engine/layers/im2col';
import { maxPool, unpool } from '../../src/engine/layers/pooling';
import { Rng } from '../../src/engine/rng';
import { instantiate, kernelModule } from '../../src/engine/wasm/kernels';
import { gridOf, type Window } from '../../src/engine/window';

// Node has WebAssembly SIMD: the fast step, and so these tests, must not go without it.
const module = kernelModule();
assert.ok(module, 'WebAssembly SIMD kernels compile');

/** Values that make the first-maximum rule matter: ties, signed zeros, NaN and infinities. */
const tricky = [0, -0, 1, 1, -1, 2, NaN, Infinity, -Infinity, 0.5];
const values = (rng: Rng, n: number, nanRate: number) => Float64Array.from({ length: n }, () => (rng.next() < nanRate ? tricky[Math.floor(rng.next() * tricky.length)] : [0, -0, 1, 2, -1][Math.floor(rng.next() * 5)]));

function sameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) assert.fail(`${what}[${i}]: kernel ${actual[i]}, JavaScript ${expected[i]}`);
}

/** A memory with room for `sizes` bytes, one 16-byte aligned region each, after 16 zero bytes; the kernels and each region's offset. */
function memory(...sizes: number[]) {
  const at: number[] = [];
  let end = 16;
  for (const size of sizes) {
    at.push(end);
    end += Math.ceil(size / 16) * 16;
  }
  const { kernels, buffer } = instantiate(module as object, end);
  return { k: kernels, buffer, at, zero: 0 };
}

const windows: { shape: [number, number, number]; win: Window; planes: number }[] = [
  { shape: [3, 24, 24], win: { fh: 2, fw: 2, stride: 2, pad: 0 }, planes: 7 },
  { shape: [2, 7, 7], win: { fh: 3, fw: 3, stride: 2, pad: 1 }, planes: 5 },
  { shape: [1, 5, 6], win: { fh: 2, fw: 3, stride: 1, pad: 0 }, planes: 4 },
  { shape: [2, 6, 6], win: { fh: 2, fw: 2, stride: 3, pad: 1 }, planes: 3 },
  { shape: [1, 4, 4], win: { fh: 4, fw: 4, stride: 4, pad: 0 }, planes: 1 },
];

test('pool: the first maximum of each window and where it is, as maxPool finds them (NaN, ±Inf, ±0, ties, padding, odd planes)', () => {
  const rng = new Rng(7);
  for (const { shape, win, planes } of windows) {
    const grid = gridOf('Pool', [1, ...shape], win);
    const [H, W, outputs, size] = [grid.h, grid.w, grid.oh * grid.ow, win.fh * win.fw];
    for (const nanRate of [0, 0.1, 0.5]) {
      const x = values(rng, planes * H * W, nanRate);
      const table = windowTable({ ...grid, c: 1 }, win);
      const m = memory(8 * x.length, 4 * table.length, 8 * planes * outputs, 4 * planes * outputs);
      new Float64Array(m.buffer, m.at[0], x.length).set(x);
      new Int32Array(m.buffer, m.at[1], table.length).set(table);
      m.k.pool(m.at[0], planes, 8 * H * W, m.at[1], size, outputs, m.at[2], m.at[3], m.zero);
      const [out, argmax] = [new Float64Array(planes * outputs), new Int32Array(planes * outputs)];
      maxPool(x, planes, grid, win, out, argmax);
      const what = `${shape.join('×')} ${win.fh}×${win.fw}/${win.stride} pad ${win.pad}, ${planes} planes, NaN etc. ${nanRate}`;
      sameBits(new Float64Array(m.buffer, m.at[2], out.length), out, `${what}: out`);
      sameBits(new Int32Array(m.buffer, m.at[3], argmax.length), argmax, `${what}: argmax`);
    }
  }
});

test("unpool: each window's gradient at its maximum, the rest +0, as pooling.ts's unpool puts it, for windows that do not overlap", () => {
  const rng = new Rng(8);
  for (const { shape, win, planes } of windows.filter(({ win }) => win.stride >= win.fh && win.stride >= win.fw)) {
    const grid = gridOf('Pool', [1, ...shape], win);
    const [H, W, outputs, size] = [grid.h, grid.w, grid.oh * grid.ow, win.fh * win.fw];
    const x = values(rng, planes * H * W, 0.2);
    const [out, argmax] = [new Float64Array(planes * outputs), new Int32Array(planes * outputs)];
    maxPool(x, planes, grid, win, out, argmax);
    const dout = values(rng, planes * outputs, 0.3);
    const table = windowTable({ ...grid, c: 1 }, win);
    const m = memory(8 * dout.length, 4 * table.length, 4 * argmax.length, 8 * planes * H * W);
    new Float64Array(m.buffer, m.at[0], dout.length).set(dout);
    new Int32Array(m.buffer, m.at[1], table.length).set(table);
    new Int32Array(m.buffer, m.at[2], argmax.length).set(argmax);
    const dx = new Float64Array(m.buffer, m.at[3], planes * H * W).fill(NaN); // the kernel zeroes it first
    m.k.unpool(m.at[0], planes, 8 * H * W, m.at[1], size, outputs, m.at[2], m.at[3]);
    const expected = new Float64Array(planes * H * W);
    unpool(argmax, dout, grid, win, expected);
    sameBits(dx, expected, `${shape.join('×')} ${win.fh}×${win.fw}/${win.stride} pad ${win.pad}: dx`);
  }
});

test('transpose: dst [cols, rows] = srcᵀ + bias per row, for even and odd sizes', () => {
  const rng = new Rng(9);
  for (const [rows, cols] of [[576, 30], [7, 3], [1, 1], [4, 5], [5, 4], [2, 2]]) {
    const src = values(rng, rows * cols, 0.2);
    const bias = values(rng, cols, 0.2);
    const m = memory(8 * src.length, 8 * cols, 8 * src.length);
    new Float64Array(m.buffer, m.at[0], src.length).set(src);
    new Float64Array(m.buffer, m.at[1], cols).set(bias);
    m.k.transpose(m.at[0], rows, cols, m.at[1], m.at[2]);
    const expected = new Float64Array(rows * cols);
    for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) expected[c * rows + r] = src[r * cols + c] + bias[c];
    sameBits(new Float64Array(m.buffer, m.at[2], expected.length), expected, `${rows}×${cols}`);
  }
});

test("gather through windowTable: im2col's columns, padding as +0, for channels, strides and padding", () => {
  const rng = new Rng(10);
  const cases: { shape: [number, number, number]; win: Window }[] = [
    { shape: [1, 28, 28], win: { fh: 5, fw: 5, stride: 1, pad: 0 } },
    { shape: [3, 7, 8], win: { fh: 3, fw: 2, stride: 2, pad: 1 } },
    { shape: [2, 5, 5], win: { fh: 3, fw: 3, stride: 1, pad: 2 } },
    { shape: [1, 5, 5], win: { fh: 3, fw: 3, stride: 1, pad: 0 } },
  ];
  for (const { shape, win } of cases) {
    const grid = gridOf('Conv', [1, ...shape], win);
    const x = values(rng, 3 * shape[0] * shape[1] * shape[2], 0.3);
    const table = windowTable(grid, win);
    const m = memory(8 * x.length, 4 * table.length, 8 * table.length);
    new Float64Array(m.buffer, m.at[0], x.length).set(x);
    new Int32Array(m.buffer, m.at[1], table.length).set(table);
    for (let n = 0; n < 3; n++) {
      m.k.gather(m.at[0] + 8 * n * (x.length / 3), m.at[1], table.length, m.at[2], m.zero);
      const col = new Float64Array(table.length);
      im2col(x, n, grid, win, col);
      sameBits(new Float64Array(m.buffer, m.at[2], col.length), col, `${shape.join('×')} ${win.fh}×${win.fw}/${win.stride} pad ${win.pad}, sample ${n}`);
    }
  }
});
