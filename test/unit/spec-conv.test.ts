// Convolution and pooling in specs: shapes and parameter counts as the book's SimpleConvNet has
// them, and each error on the value to change, with the numbers and a pad or stride that fits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkSpec } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';
import { inferShapes, sourceShape } from '../../src/spec/shapes';
import { loadSpec, memoryFile, type SpecIO } from '../../src/spec';
import { expectProblem, npyF8, rangeOf } from './spec-helpers';

/** Parses a spec that must parse cleanly, and infers its shapes from its static input shape. */
function shapes(text: string) {
  const { spec, problems } = parseSpec(text, 'net.backprop.yaml');
  assert.deepEqual(problems, []);
  const net = spec as NetworkSpec;
  return inferShapes(net, sourceShape(net.input, 'input')!);
}

const SIMPLE_CONV_NET = `input: { dataset: mnist, split: train, count: 100, shape: [1, 28, 28] }
target: { dataset: mnist }
layers:
  - { type: convolution, filters: 30, size: 5, stride: 1, pad: 0 }
  - relu
  - { type: pooling, size: 2, stride: 2 }
  - { type: affine, units: 100 }
  - relu
  - { type: affine, units: 10 }
loss: softmax-with-loss
`;

test("SimpleConvNet's shapes and parameter counts: W [30, 1, 5, 5], pooled [100, 30, 12, 12], Affine flattening 4,320", () => {
  const { layers, problems } = shapes(SIMPLE_CONV_NET);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    layers.map((l) => [l.name, l.inShape, l.outShape, l.paramCount, l.paramShapes]),
    [
      ['Convolution1', [100, 1, 28, 28], [100, 30, 24, 24], 780, { W: [30, 1, 5, 5], b: [30] }],
      ['Relu1', [100, 30, 24, 24], [100, 30, 24, 24], 0, {}],
      ['Pooling1', [100, 30, 24, 24], [100, 30, 12, 12], 0, {}],
      ['Affine1', [100, 30, 12, 12], [100, 100], 432_100, { W: [4320, 100], b: [100] }],
      ['Relu2', [100, 100], [100, 100], 0, {}],
      ['Affine2', [100, 100], [100, 10], 1010, { W: [100, 10], b: [10] }],
    ],
  );
});

test('stride, pad and non-square windows; pooling moves by its size; BatchNorm after a convolution has one gamma per channel', () => {
  const text = 'input: { random: { shape: [2, 3, 7, 10] } }\nlayers:\n  - { type: conv, filters: 4, size: [3, 2], stride: 2, pad: 1 }\n  - batchnorm\n  - { type: pooling, size: 2 }\n  - { type: pooling, size: [2, 1], stride: 1 }\n';
  assert.deepEqual(
    shapes(text).layers.map((l) => [l.outShape, l.paramShapes]),
    [
      [[2, 4, 4, 6], { W: [4, 3, 3, 2], b: [4] }],
      [[2, 4, 4, 6], { gamma: [4], beta: [4] }],
      [[2, 4, 2, 3], {}],
      [[2, 4, 1, 3], {}],
    ],
  );
});

test('an output size that is not a whole number: the numbers on the layer line, and a pad or stride that fits', () => {
  const stride = 'input: { random: { shape: [1, 1, 28, 28] } }\nlayers:\n  - { type: convolution, filters: 4, size: 5, stride: 2 }\n';
  expectProblem(shapes(stride).problems, 'Convolution1: output height (28 + 2·0 − 5) / 2 + 1 = 12.5 is not a whole number; stride 1 would fit', rangeOf(stride, 'convolution'));
  const pad = 'input: { random: { shape: [1, 1, 7, 6] } }\nlayers:\n  - { type: convolution, filters: 4, size: 4, stride: 2 }\n';
  expectProblem(shapes(pad).problems, 'Convolution1: output height (7 + 2·0 − 4) / 2 + 1 = 2.5 is not a whole number; stride 1 would fit', rangeOf(pad, 'convolution'));
  const width = 'input: { random: { shape: [1, 1, 6, 7] } }\nlayers:\n  - { type: pooling, size: 3, stride: 3 }\n';
  expectProblem(shapes(width).problems, 'Pooling1: output width (7 + 2·0 − 3) / 3 + 1 = 2.3333 is not a whole number; stride 1 would fit', rangeOf(width, 'pooling'));
  const both = 'input: { random: { shape: [1, 1, 7, 7] } }\nlayers:\n  - { type: pooling, size: 3, stride: 3 }\n';
  expectProblem(shapes(both).problems, 'Pooling1: output height (7 + 2·0 − 3) / 3 + 1 = 2.3333 is not a whole number; pad 1 or stride 2 would fit', rangeOf(both, 'pooling'));
  const big = 'input: { random: { shape: [1, 1, 3, 3] } }\nlayers:\n  - { type: convolution, filters: 1, size: 5 }\n';
  expectProblem(shapes(big).problems, "Convolution1: the 5×5 window is larger than the input's height 3 padded by 0; pad 1 would fit", rangeOf(big, 'convolution'));
});

test('a convolution needs images: a 2-D input is refused on the layer, with the MNIST shape to give', () => {
  const mnist = 'input: { dataset: mnist, count: 2 }\nlayers:\n  - { type: convolution, filters: 1, size: 5 }\n';
  expectProblem(shapes(mnist).problems, 'Convolution1 needs images [N, C, H, W], but the input outputs [2, 784]; give each digit a shape, e.g. dataset: mnist, shape: [1, 28, 28]', rangeOf(mnist, 'convolution'));
  const later = 'input: { data: [[1, 2, 3, 4]] }\nlayers:\n  - relu\n  - { type: pooling, size: 2 }\n';
  expectProblem(shapes(later).problems, 'Pooling1 needs images [N, C, H, W], but Relu1 outputs [1, 4]', rangeOf(later, 'pooling'));
});

test('W, b, filters and size must agree; W of the wrong rank or channels is refused on W', () => {
  const rank = 'input: { random: { shape: [1, 2, 4, 4] } }\nlayers:\n  - { type: convolution, weights: { W: [[1, 2]] } }\n';
  expectProblem(shapes(rank).problems, 'W of Convolution1 must be 4-D [filters, channels, height, width], got shape [1, 2]', rangeOf(rank, '[[1, 2]]'));
  const channels = 'input: { random: { shape: [1, 2, 4, 4] } }\nlayers:\n  - { type: convolution, weights: { W: [[[[1]]]] } }\n';
  expectProblem(shapes(channels).problems, 'W of Convolution1 has 1 channel (shape [1, 1, 1, 1]), but its input has 2', rangeOf(channels, '[[[[1]]]]'));
  const filters = 'input: { random: { shape: [1, 1, 4, 4] } }\nlayers:\n  - { type: convolution, filters: 2, weights: { W: [[[[1]]]] } }\n';
  expectProblem(shapes(filters).problems, 'Convolution1 has filters 2, but W has 1', rangeOf(filters, 'convolution'));
  const size = 'input: { random: { shape: [1, 1, 4, 4] } }\nlayers:\n  - { type: convolution, size: 3, weights: { W: [[[[1]]]] } }\n';
  expectProblem(shapes(size).problems, "Convolution1 has size 3×3, but W's filters are 1×1", rangeOf(size, 'convolution'));
  const b = 'input: { random: { shape: [1, 1, 4, 4] } }\nlayers:\n  - { type: convolution, filters: 2, size: 1, weights: { b: [1, 2, 3] } }\n';
  expectProblem(shapes(b).problems, 'b of Convolution1 has shape [3], expected [2]', rangeOf(b, '[1, 2, 3]'));
  const none = 'input: { random: { shape: [1, 1, 4, 4] } }\nlayers:\n  - { type: convolution, filters: 2 }\n  - pooling\n';
  expectProblem(shapes(none).problems, 'Convolution1 needs filters and size (or weights W), e.g. { type: convolution, filters: 30, size: 5 }', rangeOf(none, 'convolution'));
  const pool = 'input: { random: { shape: [1, 1, 4, 4] } }\nlayers:\n  - pooling\n';
  expectProblem(shapes(pool).problems, "Pooling1 needs size, the window's height and width, e.g. { type: pooling, size: 2 }", rangeOf(pool, 'pooling'));
});

test('bad sizes, strides and pads are refused where they are written', () => {
  const errors = (text: string) => parseSpec(text, 'net.backprop.yaml').problems;
  const head = 'input: { random: { shape: [1, 1, 4, 4] } }\nlayers:\n';
  const three = `${head}  - { type: convolution, filters: 1, size: [2, 3, 4] }\n`;
  expectProblem(errors(three), 'size must be one integer or [height, width], got 3 values', rangeOf(three, '[2, 3, 4]'));
  const zero = `${head}  - { type: pooling, size: [2, 0] }\n`;
  assert.match(errors(zero)[0].message, /a window size must be a positive integer/);
  assert.deepEqual(errors(zero)[0].range, rangeOf(zero, '0'));
  const stride = `${head}  - { type: pooling, size: 2, stride: 0 }\n`;
  assert.deepEqual(errors(stride)[0].range, rangeOf(stride, '0'));
  const pad = `${head}  - { type: convolution, filters: 1, size: 2, pad: -1 }\n`;
  assert.deepEqual(errors(pad)[0].range, rangeOf(pad, '-1'));
  const oblong = `${head}  - { type: pooling, size: [2, 3] }\n`;
  expectProblem(errors(oblong), 'a 2×3 pooling window needs a stride: it moves by its size only when it is square', rangeOf(oblong, '[2, 3]'));
  const units = `${head}  - { type: convolution, units: 3, filters: 1, size: 2 }\n`;
  expectProblem(errors(units), "'units' does not apply to convolution layers", rangeOf(units, 'units'), 'warning');
});

test('dataset: mnist takes a digit shape of 784 pixels', () => {
  const ok = 'input: { dataset: mnist, count: 2, shape: [1, 28, 28] }\nlayers: [relu]\n';
  assert.deepEqual(shapes(ok).layers[0].inShape, [2, 1, 28, 28]);
  const bad = 'input: { dataset: mnist, count: 2, shape: [1, 28, 27] }\nlayers: [relu]\n';
  expectProblem(parseSpec(bad, 'n.yaml').problems, 'a digit has 784 pixels, but shape [1, 28, 27] holds 756; use [1, 28, 28] for images or [784] for rows', rangeOf(bad, '[1, 28, 27]'));
  const random = 'input: { random: { shape: [1, 4] }, shape: [4] }\nlayers: [relu]\n';
  expectProblem(parseSpec(random, 'n.yaml').problems, 'shape applies to dataset inputs only', rangeOf(random, 'shape', 1), 'warning');
});

test('a 4-D .npy input and 4-D weights from .npy files feed a convolution', () => {
  const files: Record<string, Uint8Array> = {
    'x.npy': npyF8([2, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
    'w.npy': npyF8([1, 1, 2, 2], [1, 0, 0, 1]),
  };
  const io: SpecIO = { openFile: (p) => memoryFile(files[p]), mnist: () => new Uint8Array() };
  const text = 'input: { file: x.npy }\nlayers:\n  - { type: convolution, weights: { W: { file: w.npy } } }\n';
  const loaded = loadSpec(text, 'f.backprop.yaml', io);
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(loaded.shapes?.map((s) => [s.inShape, s.outShape, s.paramShapes]), [[[2, 1, 3, 3], [2, 1, 2, 2], { W: [1, 1, 2, 2], b: [1] }]]);
  assert.deepEqual(Array.from(loaded.network!.predict(loaded.x!, false).data), [6, 8, 12, 14, 14, 12, 8, 6]);
  const wrong = { ...files, 'w.npy': npyF8([1, 2, 2, 2], [1, 0, 0, 1, 1, 0, 0, 1]) };
  const bad = loadSpec(text, 'f.backprop.yaml', { ...io, openFile: (p) => memoryFile(wrong[p as keyof typeof wrong]) });
  expectProblem(bad.problems, 'W of Convolution1 has 2 channels (shape [1, 2, 2, 2]), but its input has 1', rangeOf(text, 'w.npy'));
});
