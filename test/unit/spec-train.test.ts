// The `train:` section: the model it parses to, defaults, each error on its range, and the sets it trains on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec, parseSpec, trainingSets, type NetworkSpec } from '../../src/spec';
import { expectProblem, rangeOf } from './spec-helpers';

const BASE = `input: { data: [[1, 0], [0, 1]] }
target: { labels: [0, 1] }
layers: [{ type: affine, units: 2 }]
loss: softmax-with-loss
seed: 5
`;

const trainOf = (text: string) => {
  const { spec, problems } = parseSpec(text, 't.backprop.yaml');
  return { train: (spec as NetworkSpec | null)?.train, problems };
};

test('train: parses with its defaults (sgd, every epoch, the spec seed), and no section means null', () => {
  const text = `${BASE}train: { iterations: 30, batch: 2 }\n`;
  const { train, problems } = trainOf(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(train, { iterations: 30, batch: 2, seed: 5, optimizer: { type: 'sgd' }, weightDecay: 0, evalEvery: 'epoch', batchRange: rangeOf(text, '2', 1), range: rangeOf(text, '{ iterations: 30, batch: 2 }'), keyRange: rangeOf(text, 'train') });
  assert.equal(trainOf(BASE).train, null);
});

test('train: optimizer settings and eval every N', () => {
  const text = `${BASE}train:\n  iterations: 30\n  batch: 2\n  seed: 9\n  optimizer: { type: adam, lr: 0.01, beta2: 0.99 }\n  eval: { every: 10 }\n`;
  const { train, problems } = trainOf(text);
  assert.deepEqual(problems, []);
  assert.deepEqual([train?.seed, train?.optimizer, train?.evalEvery], [9, { type: 'adam', lr: 0.01, beta2: 0.99 }, 10]);
  assert.deepEqual(trainOf(`${BASE}train: { iterations: 1, batch: 1, optimizer: Momentum }\n`).train?.optimizer, { type: 'momentum' });
  const rmsprop = trainOf(`${BASE}train: { iterations: 1, batch: 1, optimizer: { type: rmsprop, decay: 0.9 }, weightDecay: 0.01 }\n`);
  assert.deepEqual([rmsprop.problems, rmsprop.train?.optimizer, rmsprop.train?.weightDecay], [[], { type: 'rmsprop', decay: 0.9 }, 0.01]);
  assert.deepEqual(trainOf(`${BASE}train: { iterations: 1, batch: 1, optimizer: nesterov }\n`).train?.optimizer, { type: 'nesterov' });
});

test('train: each error on the value at fault', () => {
  const check = (section: string, message: string, needle: string, severity: 'error' | 'warning' = 'error') => {
    const head = `${BASE}train: `;
    const text = `${head}${section}\n`;
    // The first occurrence of `needle` inside the section (or the `train` key itself).
    let nth = 0;
    for (let at = head.indexOf(needle); at !== -1 && needle !== 'train'; at = head.indexOf(needle, at + 1)) nth++;
    expectProblem(trainOf(text).problems, message, rangeOf(text, needle, nth), severity);
  };
  check('{ iterations: 0, batch: 2 }', 'iterations must be a positive integer, got 0', '0');
  check('{ batch: 2 }', 'train needs iterations, e.g. iterations: 10000', 'train');
  check('{ iterations: 3, batch: 2, optimizer: rmsprob }', "unknown optimizer 'rmsprob' — did you mean 'rmsprop'?", 'rmsprob');
  check('{ iterations: 3, batch: 2, optimizer: { type: rmsprop, decay: 1 } }', 'decay must be in [0, 1), got 1', '1');
  check('{ iterations: 3, batch: 2, optimizer: { type: adam, decay: 0.9 } }', "'decay' does not apply to adam", 'decay', 'warning');
  check('{ iterations: 3, batch: 2, weightDecay: -0.1 }', 'weightDecay must be a non-negative number, got -0.1', '-0.1');
  check('{ iterations: 3, batch: 2, weightDecay: lots }', "weightDecay must be a non-negative number, got 'lots'", 'lots');
  check('{ iterations: 3, batch: 2, optimizer: { type: momentum, momentum: 1 } }', 'momentum must be in [0, 1), got 1', '1');
  check('{ iterations: 3, batch: 2, optimizer: { type: sgd, lr: -1 } }', 'lr must be a positive number, got -1', '-1');
  check('{ iterations: 3, batch: 2, optimizer: { type: sgd, beta1: 0.5 } }', "'beta1' does not apply to sgd", 'beta1', 'warning');
  check('{ iterations: 3, batch: 2, eval: { every: week } }', "unknown eval every 'week' (expected epoch)", 'week');
  const noLoss = `input: { data: [[1, 0]] }\nlayers: [relu]\ntrain: { iterations: 1, batch: 1 }\n`;
  expectProblem(trainOf(noLoss).problems, 'training needs a loss: add e.g. loss: softmax-with-loss and a target', rangeOf(noLoss, 'train'));
});

const io = {
  openFile: () => {
    throw new Error('no files');
  },
  mnist: () => readFileSync(join(__dirname, '..', '..', '..', 'dist', 'mnist-digits.bin')),
};

test('trainingSets: MNIST train input tests on all 2,000 test digits; other inputs have no test set', () => {
  const text = `input: { dataset: mnist, split: train, count: 30, offset: 10 }\ntarget: { dataset: mnist }\nlayers: [{ type: affine, units: 10 }]\nloss: softmax-with-loss\ntrain: { iterations: 1, batch: 5 }\n`;
  const loaded = loadSpec(text, 'm.backprop.yaml', io);
  assert.deepEqual(loaded.problems, []);
  const sets = trainingSets(loaded.spec as NetworkSpec, loaded.x!, loaded.t!, io);
  assert.ok(!('problems' in sets));
  assert.deepEqual([sets.xTrain.shape, sets.tTrain.shape, sets.xTest?.shape, sets.tTest?.shape], [[30, 784], [30], [2000, 784], [2000]]);
  const plain = loadSpec(`${BASE}train: { iterations: 1, batch: 1 }\n`, 'p.backprop.yaml', io);
  const same = trainingSets(plain.spec as NetworkSpec, plain.x!, plain.t!, io);
  assert.ok(!('problems' in same) && same.xTrain === plain.x && same.tTrain === plain.t);
  // The training rows again would report the training accuracy as a test accuracy.
  assert.deepEqual([same.xTest, same.tTest], [undefined, undefined]);
});
