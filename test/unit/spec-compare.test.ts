// The `compare:` section: the variants it parses to, each error on its range, variants that differ
// in the compared key only, and the CLI's table and JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOptimizer } from '../../src/engine/optimizers';
import { train, type TrainEvent } from '../../src/engine/train';
import { loadSpec, parseSpec, trainingSets, type NetworkSpec } from '../../src/spec';
import { expectProblem, rangeOf } from './spec-helpers';

const BASE = `input: { data: [[1, 0, 0.5], [0, 1, -0.5], [0.2, 0.3, 0.1], [-1, 0.4, 0]] }
target: { labels: [0, 1, 1, 0] }
layers: [{ type: affine, units: 4 }, relu, { type: affine, units: 2 }]
loss: softmax-with-loss
seed: 3
train: { iterations: 5, batch: 2, optimizer: { type: sgd, lr: 0.1 }, eval: { every: 5 } }
`;

const parsed = (text: string) => {
  const { spec, problems } = parseSpec(text, 't.backprop.yaml');
  return { spec: spec as NetworkSpec | null, problems };
};

test('compare optimizer: one variant per value, each the spec’s train with its own optimizer; labels tell them apart', () => {
  const text = `${BASE}compare:\n  optimizer: [sgd, { type: sgd, lr: 0.01 }, { type: adam, lr: 0.001 }, momentum]\n`;
  const { spec, problems } = parsed(text);
  assert.deepEqual(problems, []);
  const compare = spec!.compare!;
  assert.equal(compare.key, 'optimizer');
  assert.deepEqual(
    compare.variants.map((v) => [v.label, v.train!.optimizer, v.init]),
    [
      ['sgd', { type: 'sgd' }, null],
      ['sgd lr 0.01', { type: 'sgd', lr: 0.01 }, null],
      ['adam', { type: 'adam', lr: 0.001 }, null],
      ['momentum', { type: 'momentum' }, null],
    ],
  );
  // Everything else is the spec's training.
  for (const v of compare.variants) assert.deepEqual({ ...v.train, optimizer: null }, { ...spec!.train!, optimizer: null });
  assert.deepEqual(compare.variants[2].range, rangeOf(text, '{ type: adam, lr: 0.001 }'));
  assert.equal(parsed(BASE).spec!.compare, null);
});

test('compare init, weightDecay and seed', () => {
  const init = parsed(`${BASE}compare: { init: [0.01, xavier, he, { scheme: he, bias: 0.1 }] }\n`);
  assert.deepEqual(init.problems, []);
  assert.deepEqual(
    init.spec!.compare!.variants.map((v) => [v.label, v.init]),
    [
      ['std 0.01', { scheme: 'normal', std: 0.01, bias: 0 }],
      ['xavier', { scheme: 'xavier', bias: 0 }],
      ['he', { scheme: 'he', bias: 0 }],
      ['he bias 0.1', { scheme: 'he', bias: 0.1 }],
    ],
  );
  const decay = parsed(`${BASE}compare: { weightDecay: [0, 0.1] }\n`).spec!.compare!;
  assert.deepEqual(decay.variants.map((v) => [v.label, v.train!.weightDecay]), [['λ 0', 0], ['λ 0.1', 0.1]]);
  const seeds = parsed(`${BASE}compare: { seed: [1, 2] }\n`).spec!.compare!;
  assert.deepEqual(seeds.variants.map((v) => [v.label, v.train!.seed]), [['seed 1', 1], ['seed 2', 2]]);
});

test('compare: each error on the place at fault', () => {
  const check = (section: string, message: string, needle: string, nth = 0, severity: 'error' | 'warning' = 'error') => {
    const text = `${BASE}compare: ${section}\n`;
    expectProblem(parsed(text).problems, message, rangeOf(text, needle, nth), severity);
  };
  check('{ optimiser: [sgd, adam] }', "unknown key 'optimiser' in compare — did you mean 'optimizer'?", 'optimiser', 0, 'warning');
  check('{ optimiser: [sgd, adam] }', 'compare needs one key with a list of values, e.g. compare: { optimizer: [sgd, momentum, adagrad, adam] } (keys: optimizer, init, weightDecay, seed)', '{ optimiser: [sgd, adam] }');
  check('{ optimizer: [sgd, adamw] }', "unknown optimizer 'adamw' — did you mean 'adam'?", 'adamw');
  check('{ optimizer: [sgd, { type: adam, lr: -1 }] }', 'lr must be a positive number, got -1', '-1', 1);
  check('{ init: [0.01, glorious] }', "unknown init scheme 'glorious' (expected normal, he, xavier or zeros)", 'glorious');
  check('{ weightDecay: [0, -1] }', 'weightDecay must be a non-negative number, got -1', '-1', 1);
  check('{ optimizer: [] }', 'compare optimizer is empty: list the values to compare, e.g. [sgd, adam]', '[]');
  check('{ optimizer: adam }', "compare optimizer must be a list, got 'adam'", 'adam');
  check('{ optimizer: [sgd, adam], init: [he, xavier] }', "compare one key at a time: 'optimizer' is compared already", 'init');
  check('{}', 'compare needs one key with a list of values, e.g. compare: { optimizer: [sgd, momentum, adagrad, adam] } (keys: optimizer, init, weightDecay, seed)', '{}');
  check('{ batch: [32, 128] }', 'batch cannot be compared: every variant draws the same minibatches, so only the compared key differs', 'batch', 1);
  check('{ iterations: [10, 20] }', 'iterations cannot be compared: every variant trains the same iterations, so the curves share one x axis', 'iterations', 1);
  check('{ optimizer: [adam] }', 'compare optimizer has one value: add another to compare it with', '[adam]', 0, 'warning');
  check('{ optimizer: [adam, adam] }', 'adam is listed twice', 'adam', 1, 'warning');
  check('[sgd, adam]', 'compare must be a mapping, got a list', '[sgd, adam]');

  const noTrain = `${BASE.replace(/train:.*\n/, '')}compare: { optimizer: [sgd, adam] }\n`;
  expectProblem(parsed(noTrain).problems, 'compare optimizer runs variants of the training: add a train: section, e.g. train: { iterations: 2000, batch: 128 } (without one, compare init runs each init once)', rangeOf(noTrain, 'optimizer'));
  // init compares a single run: each variant is the spec's run with its init, and no training.
  const singleRun = parsed(`${BASE.replace(/train:.*\n/, '')}compare: { init: [1, 0.01, xavier] }\n`);
  assert.deepEqual(singleRun.problems, []);
  assert.deepEqual(singleRun.spec!.compare!.variants.map((v) => [v.label, v.train, v.init?.scheme]), [['std 1', null, 'normal'], ['std 0.01', null, 'normal'], ['xavier', null, 'xavier']]);
  const noAffine = `input: { data: [[1, 0]] }\ntarget: { labels: [0] }\nlayers: [relu]\nloss: softmax-with-loss\ntrain: { iterations: 1, batch: 1 }\ncompare: { init: [he, xavier] }\n`;
  expectProblem(parsed(noAffine).problems, 'init applies to affine layers, and this network has none', rangeOf(noAffine, 'init'));
  const custom = `${BASE.replace('relu', '{ type: custom, module: ./swish.js }')}compare: { optimizer: [sgd, adam] }\n`;
  expectProblem(parsed(custom).problems, "compare cannot run custom layers yet (Swish1): every variant needs its own instance of the layer's code", rangeOf(custom, 'compare'));
});

/** No files and no digits: the specs here hold their data. */
const io = { openFile: () => assert.fail('no files'), mnist: () => assert.fail('no digits') };

/** Training variant `i` of `text`'s spec: its starting params, every step's loss, and its params at the end. */
function variantRun(text: string, i: number) {
  const loaded = loadSpec(text, 'c.backprop.yaml', io, { job: 'train' });
  assert.deepEqual(loaded.problems.filter((p) => p.severity === 'error'), []);
  const spec = loaded.spec as NetworkSpec;
  const v = spec.compare!.variants[i];
  const net = loaded.variantNetwork!(i);
  const start = net.layers.flatMap((l) => l.params.map((p) => [...p.value.data]));
  const sets = trainingSets(spec, loaded.x!, loaded.t!, io);
  assert.ok(!('problems' in sets));
  const events = [...train(net, sets, { ...v.train!, optimizer: createOptimizer(v.train!.optimizer) })];
  const losses = events.flatMap((e: TrainEvent) => (e.kind === 'step' ? [e.loss] : []));
  return { start, losses, end: net.layers.flatMap((l) => l.params.map((p) => [...p.value.data])) };
}

test('optimizer variants start from the same weights and draw the same minibatches: the same first-step loss, then they part', () => {
  const text = `${BASE}compare: { optimizer: [{ type: sgd, lr: 0.1 }, { type: adam, lr: 0.1 }, { type: sgd, lr: 0.1 }] }\n`;
  const [sgd, adam, again] = [0, 1, 2].map((i) => variantRun(text, i));
  assert.deepEqual(adam.start, sgd.start);
  assert.equal(adam.losses[0], sgd.losses[0]);
  assert.notEqual(adam.losses[1], sgd.losses[1]);
  // Each variant has a network of its own: training one leaves the next one's start untouched, and the same settings train bit for bit alike.
  assert.deepEqual(again.losses, sgd.losses);
  assert.deepEqual(again.end, sgd.end);
  assert.notDeepEqual(sgd.end, sgd.start);
});

test('an init variant is the spec with that init on every affine layer, bit for bit', () => {
  const text = `${BASE}compare: { init: [0.01, he] }\n`;
  const he = variantRun(text, 1);
  const written = variantRun(`${BASE.replace(/units: (\d)/g, 'units: $1, init: he')}compare: { optimizer: [{ type: sgd, lr: 0.1 }, adam] }\n`, 0);
  assert.deepEqual(he.start, written.start);
  assert.deepEqual(he.losses, written.losses);
  assert.notDeepEqual(variantRun(text, 0).start, he.start);
});

test('explicit weights are copied per variant: the first variant’s updates never reach the second', () => {
  const text = `${BASE.replace('{ type: affine, units: 2 }', '{ type: affine, units: 2, weights: { W: { data: [[0.1, -0.2], [0.3, 0.1], [-0.1, 0.2], [0.05, 0.0]] } } }')}compare: { optimizer: [sgd, sgd] }\n`;
  const [a, b] = [0, 1].map((i) => variantRun(text, i));
  assert.deepEqual(b.start, a.start);
  assert.deepEqual(b.end, a.end);
});

const dir = mkdtempSync(join(tmpdir(), 'backprop-compare-'));

test('backprop train with compare: a table of every variant; --json adds every variant’s curve', () => {
  const file = join(dir, 'c.backprop.yaml');
  writeFileSync(file, `name: tiny-compare\n${BASE}compare: { optimizer: [sgd, adam] }\n`);
  const table = spawnSync(process.execPath, ['dist/cli.js', 'train', file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.split('\n');
  assert.equal(lines[0], 'tiny-compare: optimizer compared over 2 variants, 5 iterations each, batch 2; train 4, no test set');
  const header = lines.findIndex((l) => l.startsWith('variant'));
  assert.match(lines[header], /^variant +steps +final loss +mean loss, last 100 +train acc +test acc +time$/);
  assert.match(lines[header + 2], /^sgd +5 +[\d.e-]+ +[\d.e-]+ +[\d.]+ +— +[\d.]+ s$/);
  assert.match(lines[header + 3], /^adam +5 /);

  const json = spawnSync(process.execPath, ['dist/cli.js', 'train', file, '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(json.status, 0, json.stderr);
  const out = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(out.slice(0, -1).map((e) => [e.kind, e.variant, e.iteration]), [['eval', 'sgd', 5], ['eval', 'adam', 5]]);
  const summary = out.at(-1);
  assert.deepEqual([summary.kind, summary.key, summary.iterations, summary.batch], ['compare', 'optimizer', 5, 2]);
  assert.deepEqual(summary.variants.map((v: { label: string; losses: number[] }) => [v.label, v.losses.length]), [['sgd', 5], ['adam', 5]]);
  // The same first minibatch from the same weights.
  assert.equal(summary.variants[0].losses[0], summary.variants[1].losses[0]);
  assert.equal(summary.variants[1].loss, summary.variants[1].losses[4]);
});

test('the shipped comparisons parse without problems', () => {
  for (const name of ['optimizer_compare_mnist', 'weight_init_compare']) {
    const { spec, problems } = parsed(readFileSync(join('examples', `${name}.backprop.yaml`), 'utf8'));
    assert.deepEqual(problems, [], name);
    assert.equal(spec!.compare!.variants.length, name === 'weight_init_compare' ? 3 : 4);
  }
});
