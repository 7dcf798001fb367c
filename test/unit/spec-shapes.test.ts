// Shape inference: layer shapes and parameter counts, and each shape error on the value to change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkSpec } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';
import { inferShapes, sourceShape } from '../../src/spec/shapes';
import { expectProblem, rangeOf, shrink } from './spec-helpers';

/** Parses a valid network spec and infers its shapes from its static input shape. */
function shapes(text: string, fileName = 'net.yaml') {
  const { spec, problems } = parseSpec(text, fileName);
  assert.deepEqual(problems, []);
  const net = spec as NetworkSpec;
  return inferShapes(net, sourceShape(net.input, 'input')!);
}

test('layer shapes and parameter counts of a two-layer net on MNIST-shaped input', () => {
  const { layers, problems } = shapes(`input: { dataset: mnist, count: 100 }
target: { dataset: mnist }
layers:
  - { type: affine, units: 50 }
  - relu
  - batchnorm
  - dropout
  - { type: affine, units: 10 }
loss: softmax-with-loss
`);
  assert.deepEqual(problems, []);
  assert.deepEqual(layers, [
    { name: 'Affine1', type: 'affine', inShape: [100, 784], outShape: [100, 50], paramCount: 784 * 50 + 50, paramShapes: { W: [784, 50], b: [50] } },
    { name: 'Relu1', type: 'relu', inShape: [100, 50], outShape: [100, 50], paramCount: 0, paramShapes: {} },
    { name: 'BatchNorm1', type: 'batchnorm', inShape: [100, 50], outShape: [100, 50], paramCount: 100, paramShapes: { gamma: [50], beta: [50] } },
    { name: 'Dropout1', type: 'dropout', inShape: [100, 50], outShape: [100, 50], paramCount: 0, paramShapes: {} },
    { name: 'Affine2', type: 'affine', inShape: [100, 50], outShape: [100, 10], paramCount: 510, paramShapes: { W: [50, 10], b: [10] } },
  ]);
});

test('affine flattens rank > 2 input; explicit W gives the width', () => {
  const { layers, problems } = shapes('input: { random: { shape: [2, 3, 4] } }\nlayers:\n  - { type: affine, weights: { W: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14], [15, 16], [17, 18], [19, 20], [21, 22], [23, 24]] } }\n');
  assert.deepEqual(problems, []);
  assert.deepEqual([layers[0].inShape, layers[0].outShape, layers[0].paramShapes], [[2, 3, 4], [2, 2], { W: [12, 2], b: [2] }]);
});

test('"Affine2 expects input width 50, gets 40" on the W value', () => {
  const W = JSON.stringify(Array.from({ length: 50 }, () => [0.1, 0.2]));
  const text = `input: { random: { shape: [4, 3] } }\nlayers:\n  - { type: affine, units: 40 }\n  - relu\n  - { type: affine, weights: { W: ${W} } }\n`;
  const { problems, layers } = shapes(text);
  expectProblem(problems, 'Affine2 expects input width 50, gets 40', rangeOf(text, W));
  assert.equal(problems.length, 1);
  assert.deepEqual(
    layers.map((l) => l.name),
    ['Affine1', 'Relu1'],
  );
});

test('the same mismatch in a JSON spec lands on the JSON W value', () => {
  const text = '{\n  "input": {"data": [[1, 2, 3]]},\n  "layers": [\n    {"type": "affine", "units": 2, "weights": {"W": [[1, 2],\n                                                    [3, 4]]}}\n  ]\n}';
  expectProblem(shapes(text, 'a.json').problems, 'Affine1 expects input width 2, gets 3', rangeOf(text, '[[1, 2],\n                                                    [3, 4]]'));
});

test('units, W and b must agree', () => {
  const units = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, units: 3, weights: { W: [[1, 2], [3, 4]] } }\n';
  expectProblem(shapes(units).problems, 'Affine1 has units 3, but W has 2 columns', shrink(rangeOf(units, 'units: 3'), 7, 1));
  const b = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, units: 2, weights: { b: [1, 2, 3] } }\n';
  expectProblem(shapes(b).problems, 'b of Affine1 has shape [3], expected [2]', rangeOf(b, '[1, 2, 3]'));
  const flat = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, weights: { W: [1, 2] } }\n';
  expectProblem(shapes(flat).problems, 'W of Affine1 must be 2-D [in, out], got shape [2]', shrink(rangeOf(flat, 'W: [1, 2]'), 3, 6));
  const none = 'input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: affine }\n';
  expectProblem(shapes(none).problems, 'Affine1 needs units (its output width) or weights W', rangeOf(none, 'affine'));
  const gamma = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: batchnorm, weights: { gamma: [1, 1, 1] } }\n';
  expectProblem(shapes(gamma).problems, 'gamma of BatchNorm1 has shape [3], expected [2]', rangeOf(gamma, '[1, 1, 1]'));
});

test('"labels has 3 rows, input has 4" on the labels (YAML and JSON)', () => {
  const yaml = 'input: { random: { shape: [4, 2] } }\ntarget: { labels: [0, 1, 1] }\nlayers: [{ type: affine, units: 2 }]\nloss: softmax-with-loss\n';
  expectProblem(shapes(yaml).problems, 'labels has 3 rows, input has 4', rangeOf(yaml, '[0, 1, 1]'));
  const json = '{\n  "input": {"random": {"shape": [4, 2]}},\n  "target": {"labels": [0, 1, 1]},\n  "layers": [{"type": "affine", "units": 2}],\n  "loss": "softmax-with-loss"\n}';
  expectProblem(shapes(json, 'a.json').problems, 'labels has 3 rows, input has 4', rangeOf(json, '[0, 1, 1]'));
});

test('labels out of range land on the label itself', () => {
  const text = 'input: { random: { shape: [3, 2] } }\ntarget: { labels: [0, 3, 1] }\nlayers: [{ type: affine, units: 3 }]\nloss: softmax-with-loss\n';
  expectProblem(shapes(text).problems, 'label 3 is out of range for 3 classes (0–2)', shrink(rangeOf(text, '[0, 3, 1]'), 4, 1));
});

test('loss and target against the output', () => {
  const one = 'input: { data: [[1, 2]] }\ntarget: { labels: [0] }\nlayers: [{ type: affine, units: 1 }]\nloss: softmax-with-loss\n';
  expectProblem(shapes(one).problems, 'softmax-with-loss needs at least 2 classes, but Affine1 outputs 1', rangeOf(one, 'softmax-with-loss'));
  const rank3 = 'input: { random: { shape: [2, 3, 4] } }\ntarget: { labels: [0, 1] }\nlayers: [relu]\nloss: softmax-with-loss\n';
  expectProblem(shapes(rank3).problems, 'softmax-with-loss needs scores [N, classes], but Relu1 outputs [2, 3, 4]', rangeOf(rank3, 'softmax-with-loss'));
  const mse = 'input: { data: [[1, 2], [3, 4]] }\ntarget: { data: [[1, 2, 3], [4, 5, 6]] }\nlayers: [{ type: affine, units: 2 }]\nloss: mse\n';
  expectProblem(shapes(mse).problems, 'target has shape [2, 3], but Affine1 outputs [2, 2]', rangeOf(mse, '[[1, 2, 3], [4, 5, 6]]'));
  const rows = 'input: { data: [[1, 2], [3, 4]] }\ntarget: { data: [[1, 2]] }\nlayers: [{ type: affine, units: 2 }]\nloss: mse\n';
  expectProblem(shapes(rows).problems, 'target has 1 rows, input has 2', rangeOf(rows, '[[1, 2]]'));
  const mnist = 'input: { dataset: mnist, count: 2 }\ntarget: { dataset: mnist }\nlayers: [{ type: affine, units: 5 }]\nloss: softmax-with-loss\n';
  expectProblem(shapes(mnist).problems, 'mnist labels go up to 9, but Affine1 outputs only 5 classes', rangeOf(mnist, '{ dataset: mnist }'));
  const random = 'input: { data: [[1, 2]] }\ntarget: { random: { shape: [1, 3] } }\nlayers: [{ type: affine, units: 2 }]\nloss: mse\n';
  expectProblem(shapes(random).problems, 'random target has shape [1, 3], but Affine1 outputs [1, 2]', rangeOf(random, '{ shape: [1, 3] }'));
  const labelsAsData = 'input: { data: [[1, 2], [3, 4]] }\ntarget: { data: [1, 0.5] }\nlayers: [{ type: affine, units: 2 }]\nloss: softmax-with-loss\n';
  expectProblem(shapes(labelsAsData).problems, 'target row 1 is 0.5, not a class label in 0–1', rangeOf(labelsAsData, '[1, 0.5]'));
  const soft = 'input: { data: [[1, 2]] }\ntarget: { data: [[0.5, 0.25]] }\nlayers: [{ type: affine, units: 2 }]\nloss: softmax-with-loss\n';
  expectProblem(shapes(soft).problems, 'target row 0 sums to 0.75; softmax-with-loss expects one-hot rows (or probabilities summing to 1)', rangeOf(soft, '[[0.5, 0.25]]'), 'warning');
  const ok = 'input: { data: [[1, 2], [3, 4]] }\ntarget: { data: [[0, 1], [0.5, 0.5]] }\nlayers: [{ type: affine, units: 2 }]\nloss: softmax-with-loss\n';
  assert.deepEqual(shapes(ok).problems, []);
});

test('element limit: units × width and output size are refused before allocation', () => {
  const text = 'input: { random: { shape: [10, 784] } }\nlayers:\n  - { type: affine, units: 1000000 }\n';
  expectProblem(shapes(text).problems, 'W of Affine1 would have shape [784, 1000000]: 784,000,000 elements, over the limit of 50,000,000 (limits.maxElements)', rangeOf(text, '1000000'));
  const out = 'limits: { maxElements: 100 }\ninput: { random: { shape: [20, 1] } }\nlayers:\n  - { type: affine, units: 10 }\n';
  expectProblem(shapes(out).problems, "Affine1's output would have shape [20, 10]: 200 elements, over the limit of 100 (limits.maxElements)", shrink(rangeOf(out, 'units: 10'), 7, 2));
});

test('a file input needs its .npy header; a W file leaves the rest unknown without an error', () => {
  const { spec } = parseSpec('input: { file: x.npy }\nlayers: [{ type: affine, weights: { W: { file: w.npy } } }, relu]\n', 'a.yaml');
  const net = spec as NetworkSpec;
  assert.equal(sourceShape(net.input, 'input'), null);
  assert.deepEqual(inferShapes(net, [3, 2]), { layers: [], problems: [] });
  const rank1 = inferShapes(net, [3]);
  assert.equal(rank1.problems[0].message, 'input must have a batch axis, shape [N, ...]; got shape [3]');
});
