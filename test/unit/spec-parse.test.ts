// Parsing: the model built from YAML and JSON, defaults, and each class of error on its exact range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphSpec, NetworkSpec, Range } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';
import { expectProblem, problem, rangeOf, shrink } from './spec-helpers';

const TWO_LAYER = `name: two-layer-net
seed: 42
input:
  data: [[0.1, 0.2], [0.3, 0.4]]
target:
  labels: [1, 0]
layers:
  - { type: affine, units: 50, init: { std: 0.01 } }
  - relu
  - { type: affine, units: 10, name: Logits }
loss: softmax-with-loss
`;

const SHOP = `name: buy-apple-orange
graph:
  inputs: { apple: 100, apple_num: 2, orange: 150, orange_num: 3, tax: 1.1 }
  nodes:
    - { name: apple_price,  op: mul, in: [apple, apple_num] }
    - { name: orange_price, op: mul, in: [orange, orange_num] }
    - { name: all_price,    op: add, in: [apple_price, orange_price] }
    - { name: price,        op: mul, in: [all_price, tax] }
  output: price
`;

/** Range of a mapping key written as `key:` (the colon excluded). */
function keyRange(text: string, key: string, nth = 0): Range {
  const r = rangeOf(text, `${key}:`, nth);
  return { start: r.start, end: { line: r.end.line, character: r.end.character - 1 } };
}

function network(text: string, fileName = 'net.backprop.yaml'): NetworkSpec {
  const { spec, problems } = parseSpec(text, fileName);
  assert.deepEqual(problems, []);
  assert.equal(spec?.form, 'network');
  return spec as NetworkSpec;
}

/** Problems of a spec that must fail to parse. */
function errors(text: string, fileName = 'net.backprop.yaml') {
  const { spec, problems } = parseSpec(text, fileName);
  assert.equal(spec, null);
  return problems;
}

test('the two-layer example parses to the model, ranges included', () => {
  const spec = network(TWO_LAYER);
  assert.equal(spec.name, 'two-layer-net');
  assert.equal(spec.seed, 42);
  assert.equal(spec.mode, 'train');
  assert.equal(spec.loss, 'softmax-with-loss');
  assert.deepEqual(spec.lossRange, rangeOf(TWO_LAYER, 'softmax-with-loss'));
  assert.equal(spec.input.kind, 'data');
  assert.deepEqual(spec.input.kind === 'data' && spec.input.tensor, { shape: [2, 2], data: new Float64Array([0.1, 0.2, 0.3, 0.4]) });
  assert.deepEqual(spec.input.range, rangeOf(TWO_LAYER, '[[0.1, 0.2], [0.3, 0.4]]'));
  assert.deepEqual(spec.target?.kind === 'labels' && spec.target.labels, [1, 0]);
  const labels = rangeOf(TWO_LAYER, '[1, 0]');
  assert.deepEqual(spec.target?.kind === 'labels' && spec.target.itemRanges, [shrink(labels, 1, 1), shrink(labels, 4, 1)]);
  assert.deepEqual(
    spec.layers.map((l) => [l.name, l.named, l.type, l.units]),
    [
      ['Affine1', false, 'affine', 50],
      ['Relu1', false, 'relu', undefined],
      ['Logits', true, 'affine', 10],
    ],
  );
  assert.deepEqual(spec.layers[0].init, { scheme: 'normal', std: 0.01, bias: 0 });
  assert.deepEqual(spec.layers[1].typeRange, rangeOf(TWO_LAYER, 'relu'));
  assert.deepEqual(spec.layers[1].range, rangeOf(TWO_LAYER, 'relu'));
  assert.deepEqual(spec.layers[2].typeRange, rangeOf(TWO_LAYER, 'affine', 1));
  assert.deepEqual(spec.layers[2].range, rangeOf(TWO_LAYER, '{ type: affine, units: 10, name: Logits }'));
  assert.deepEqual(spec.layers[0].unitsRange, rangeOf(TWO_LAYER, '50'));
});

test('defaults: seed 0, train mode, book init, gradient check and element limit; name from the file', () => {
  const spec = network('input: { random: { shape: [3, 4] } }\nlayers: [{ type: affine, units: 2 }, leaky-relu, dropout, batchnorm]\n', 'nets/xor.backprop.yaml');
  assert.equal(spec.name, 'xor');
  assert.equal(spec.seed, 0);
  assert.equal(spec.mode, 'train');
  assert.deepEqual(spec.check, { h: 1e-4, atol: 1e-5, rtol: 1e-3 });
  assert.equal(spec.maxElements, 5e7);
  assert.equal(spec.loss, null);
  assert.equal(spec.target, null);
  assert.deepEqual(spec.input.kind === 'random' && [spec.input.shape, spec.input.dist], [[3, 4], 'normal']);
  assert.deepEqual(spec.layers[0].init, { scheme: 'normal', std: 0.01, bias: 0 });
  assert.equal(spec.layers[1].alpha, 0.01);
  assert.equal(spec.layers[2].ratio, 0.5);
  assert.equal(spec.layers[3].eps, undefined);
});

test('settings, init forms and aliases are read as written', () => {
  const spec = network(`seed: 7
mode: eval
check: { h: 0.001, atol: 0, rtol: 0.01 }
limits: { maxElements: 1000 }
input: { dataset: mnist, split: test, count: 3, offset: 5 }
target: { dataset: mnist }
layers:
  - { type: Dense, units: 3, init: he }
  - { type: affine, units: 3, init: 0.5 }
  - { type: affine, units: 3, init: { scheme: zeros, bias: 0.25 } }
  - { type: affine, units: 10, init: { std: 0.1, bias: -1 } }
  - LeakyReLU
  - { type: leaky_relu, alpha: 0.2 }
  - { type: batch_norm, eps: 1e-5 }
  - { type: Dropout, ratio: 0 }
loss: softmax
`);
  assert.equal(spec.seed, 7);
  assert.equal(spec.mode, 'eval');
  assert.deepEqual(spec.check, { h: 0.001, atol: 0, rtol: 0.01 });
  assert.equal(spec.maxElements, 1000);
  assert.equal(spec.loss, 'softmax-with-loss');
  assert.deepEqual(
    spec.layers.map((l) => l.init),
    [
      { scheme: 'he', bias: 0 },
      { scheme: 'normal', std: 0.5, bias: 0 },
      { scheme: 'zeros', bias: 0.25 },
      { scheme: 'normal', std: 0.1, bias: -1 },
      undefined,
      undefined,
      undefined,
      undefined,
    ],
  );
  assert.deepEqual(
    spec.layers.map((l) => l.name),
    ['Affine1', 'Affine2', 'Affine3', 'Affine4', 'LeakyRelu1', 'LeakyRelu2', 'BatchNorm1', 'Dropout1'],
  );
  assert.deepEqual([spec.layers[5].alpha, spec.layers[6].eps, spec.layers[7].ratio], [0.2, 1e-5, 0]);
  const { input, target } = spec;
  assert.deepEqual(input.kind === 'dataset' && [input.split, input.count, input.offset], ['test', 3, 5]);
  assert.deepEqual(target?.kind === 'dataset' && [target.split, target.count, target.offset], ['test', 3, 5]);
});

test('default names count per type as in the book', () => {
  const spec = network('input: { data: [[1, 2]] }\nlayers: [{ type: affine, units: 3 }, relu, { type: affine, units: 2 }, sigmoid, tanh, relu]\n');
  assert.deepEqual(
    spec.layers.map((l) => l.name),
    ['Affine1', 'Relu1', 'Affine2', 'Sigmoid1', 'Tanh1', 'Relu2'],
  );
});

test('the same spec as JSON gives the same model', () => {
  const json = JSON.stringify(
    {
      name: 'two-layer-net',
      seed: 42,
      input: { data: [[0.1, 0.2], [0.3, 0.4]] },
      target: { labels: [1, 0] },
      layers: [{ type: 'affine', units: 50, init: { std: 0.01 } }, 'relu', { type: 'affine', units: 10, name: 'Logits' }],
      loss: 'softmax-with-loss',
    },
    null,
    '\t',
  );
  const fromJson = network(json, 'two.backprop.json');
  const fromYaml = network(TWO_LAYER);
  const strip = (s: NetworkSpec) => JSON.parse(JSON.stringify(s, (k, v) => (/range$|Range$|Ranges$/i.test(k) ? undefined : v)));
  assert.deepEqual(strip(fromJson), strip(fromYaml));
  assert.deepEqual(fromJson.layers[1].typeRange, rangeOf(json, '"relu"'));
});

test('unknown layer type: did-you-mean on the type token (YAML and JSON)', () => {
  const yaml = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, units: 3 }\n  - relux\n';
  expectProblem(errors(yaml), "unknown layer type 'relux' — did you mean 'relu'?", rangeOf(yaml, 'relux'));
  const json = '{\n  "input": { "data": [[1, 2]] },\n  "layers": [{ "type": "sigmod" }]\n}';
  expectProblem(errors(json, 'a.backprop.json'), "unknown layer type 'sigmod' — did you mean 'sigmoid'?", rangeOf(json, '"sigmod"'));
  const crlf = 'input:\r\n  data: [[1, 2]]\r\nlayers:\r\n  - relux\r\n';
  expectProblem(errors(crlf), "unknown layer type 'relux' — did you mean 'relu'?", rangeOf(crlf, 'relux'));
  const far = 'input: { data: [[1, 2]] }\nlayers: [transformer]\n';
  expectProblem(errors(far), "unknown layer type 'transformer' (expected affine, convolution, pooling, relu, sigmoid, tanh, leaky-relu, dropout, batchnorm or custom)", rangeOf(far, 'transformer'));
});

test('a did-you-mean carries its replacement, in the spec\'s own quoting; none when no candidate is close', () => {
  const yaml = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, unts: 3 }\n  - relux\n';
  const { problems } = parseSpec(yaml, 'n.backprop.yaml');
  const key = problem(problems, "unknown key 'unts' in layer — did you mean 'units'?");
  assert.deepEqual([key.range, key.replacement], [rangeOf(yaml, 'unts'), 'units']);
  assert.equal(problem(problems, "unknown layer type 'relux' — did you mean 'relu'?").replacement, 'relu');
  const json = '{ "input": { "data": [[1]] }, "layers": [{ "type": "sigmod" }, { "type": "affine", "unitz": 1 }] }';
  const fromJson = parseSpec(json, 'n.backprop.json').problems;
  assert.deepEqual(fromJson.flatMap((p) => (p.replacement === undefined ? [] : [[p.range, p.replacement]])), [
    [rangeOf(json, '"sigmod"'), '"sigmoid"'],
    [rangeOf(json, '"unitz"'), '"units"'],
  ]);
  const far = parseSpec('input: { data: [[1, 2]] }\nlayers: [transformer]\nzebra: 1\n', 'f.backprop.yaml').problems;
  assert.deepEqual(far.map((p) => p.replacement), [undefined, undefined]);
});

test('a loss written as a layer points to loss:', () => {
  const text = 'input: { data: [[1, 2]] }\nlayers: [relu, softmax-with-loss]\n';
  expectProblem(errors(text), 'softmax-with-loss is a loss, not a layer: write it as loss: softmax-with-loss', rangeOf(text, 'softmax-with-loss'));
});

test('unknown keys are warnings with did-you-mean, and the spec still parses', () => {
  const text = 'input: { data: [[1, 2]] }\nlayer: []\nlayers:\n  - { type: affine, unit: 3, units: 2 }\n  - { type: relu, units: 4 }\n';
  const { spec, problems } = parseSpec(text, 'a.yaml');
  assert.notEqual(spec, null);
  expectProblem(problems, "unknown key 'layer' in a network spec — did you mean 'layers'?", keyRange(text, 'layer'), 'warning');
  expectProblem(problems, "unknown key 'unit' in layer — did you mean 'units'?", keyRange(text, 'unit'), 'warning');
  expectProblem(problems, "'units' does not apply to relu layers", keyRange(text, 'units', 1), 'warning');
  assert.equal(problems.length, 3);
});

test('wrong types and bad numbers land on the value', () => {
  const cases: [string, string, string][] = [
    ['seed: -1', 'seed must be a non-negative integer, got -1', '-1'],
    ['seed: abc', "seed must be a non-negative integer, got 'abc'", 'abc'],
    ['mode: training-ish', "unknown mode 'training-ish' (expected train or eval)", 'training-ish'],
    ['check: { h: 0 }', 'h must be a positive number, got 0', '0'],
    ['limits: { maxElements: 2.5 }', 'maxElements must be a positive integer, got 2.5', '2.5'],
    ['name: [a]', 'name must be a string, got a list', '[a]'],
  ];
  for (const [line, message, needle] of cases) {
    const text = `${line}\ninput: { data: [[1, 2]] }\nlayers: [relu]\n`;
    expectProblem(errors(text), message, rangeOf(text, needle));
  }
});

test('negative, zero, fractional and huge sizes are errors on the size', () => {
  for (const [units, shown] of [['-3', '-3'], ['0', '0'], ['2.5', '2.5'], ['1e300', '1e300'], ['"10"', "'10'"], ['.nan', '.nan']]) {
    const text = `input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, units: ${units} }\n`;
    expectProblem(errors(text), `units must be a positive integer, got ${shown}`, rangeOf(text, units));
  }
  const shape = 'input: { random: { shape: [4, 0] } }\nlayers: [relu]\n';
  expectProblem(errors(shape), 'a size must be a positive integer, got 0', rangeOf(shape, '0'));
  const json = '{"input": {"random": {"shape": [4, -2]}}, "layers": ["relu"]}';
  expectProblem(errors(json, 'a.json'), 'a size must be a positive integer, got -2', rangeOf(json, '-2'));
});

test('data: NaN, non-numbers and ragged rows land on the element or row', () => {
  const nan = 'input: { data: [[1, .nan]] }\nlayers: [relu]\n';
  expectProblem(errors(nan), 'input data values must be finite numbers, got .nan', rangeOf(nan, '.nan'));
  const word = 'input: { data: [[1, x]] }\nlayers: [relu]\n';
  expectProblem(errors(word), "input data values must be numbers, got 'x'", rangeOf(word, 'x'));
  const ragged = 'input:\n  data:\n    - [1, 2]\n    - [3]\nlayers: [relu]\n';
  expectProblem(errors(ragged), 'ragged input data: this list has 1 item, the first one at this level has 2', rangeOf(ragged, '[3]'));
  const raggedJson = '{\n  "input": { "data": [[1, 2], [3, 4, 5]] },\n  "layers": ["relu"]\n}';
  expectProblem(errors(raggedJson, 'a.json'), 'ragged input data: this list has 3 items, the first one at this level has 2', rangeOf(raggedJson, '[3, 4, 5]'));
  const deep = 'input: { data: [[1, 2], [3, [4]]] }\nlayers: [relu]\n';
  expectProblem(errors(deep), 'input data values must be numbers, got a list', rangeOf(deep, '[4]'));
  const flat = 'input: { data: [1, 2] }\nlayers: [relu]\n';
  expectProblem(errors(flat), 'input data must be a list of rows, e.g. [[0.1, 0.2], [0.3, 0.4]]; got shape [2]', rangeOf(flat, '[1, 2]'));
  const empty = 'input: { data: [] }\nlayers: [relu]\n';
  expectProblem(errors(empty), 'input data has an empty list; every axis needs at least one value', rangeOf(empty, '[]'));
  const labels = 'input: { data: [[1, 2]] }\ntarget: { labels: [1, -1] }\nlayers: [relu]\nloss: mse\n';
  expectProblem(errors(labels), 'a label must be a non-negative integer, got -1', rangeOf(labels, '-1'));
});

test('missing fields', () => {
  const noInput = 'name: x\nlayers: [relu]\n';
  expectProblem(errors(noInput), 'missing input: add e.g. input: { data: [[0.1, 0.2]] }', keyRange(noInput, 'name'));
  const noLayers = 'input: { data: [[1]] }\n';
  expectProblem(errors(noLayers), 'missing layers: a spec needs `layers:` (a network) or `graph:` (a graph)', keyRange(noLayers, 'input'));
  const noType = 'input: { data: [[1]] }\nlayers:\n  - { units: 3 }\n';
  expectProblem(errors(noType), 'layer needs a type, e.g. { type: affine, units: 10 }', rangeOf(noType, '{ units: 3 }'));
  const noSource = 'input: { rows: 3 }\nlayers: [relu]\n';
  const p = errors(noSource);
  expectProblem(p, 'input needs one of data, random, dataset or file', rangeOf(noSource, '{ rows: 3 }'));
  const noTarget = 'input: { data: [[1, 2]] }\nlayers: [{ type: affine, units: 2 }]\nloss: mse\n';
  expectProblem(errors(noTarget), 'mse needs a target, e.g. target: { labels: [0, 1] }', rangeOf(noTarget, 'mse'));
  const noShape = 'input: { random: { dist: uniform } }\nlayers: [relu]\n';
  expectProblem(errors(noShape), 'random input needs a shape, e.g. random: { shape: [4, 784] }', rangeOf(noShape, '{ dist: uniform }'));
  const noCount = 'input: { dataset: mnist }\nlayers: [relu]\n';
  expectProblem(errors(noCount), 'dataset input needs count: how many digits, e.g. count: 100', keyRange(noCount, 'dataset'));
  const empty = 'input: { data: [[1]] }\nlayers: []\n';
  expectProblem(errors(empty), 'layers is empty: add at least one layer, e.g. - relu', rangeOf(empty, '[]'));
});

test('unknown names: loss, dist, dataset, with suggestions', () => {
  const loss = 'input: { data: [[1, 2]] }\ntarget: { labels: [0] }\nlayers: [{ type: affine, units: 2 }]\nloss: softmax-with-los\n';
  expectProblem(errors(loss), "unknown loss 'softmax-with-los' — did you mean 'softmax-with-loss'?", rangeOf(loss, 'softmax-with-los'));
  const dist = 'input: { random: { shape: [2, 2], dist: unifrom } }\nlayers: [relu]\n';
  expectProblem(errors(dist), "unknown dist 'unifrom' — did you mean 'uniform'?", rangeOf(dist, 'unifrom'));
  const dataset = 'input: { dataset: minst, count: 2 }\nlayers: [relu]\n';
  expectProblem(errors(dataset), "unknown dataset 'minst' — did you mean 'mnist'?", rangeOf(dataset, 'minst'));
});

test('one source per input, ratio in [0, 1), mnist range, target dataset needs mnist input', () => {
  const both = 'input: { data: [[1]], random: { shape: [1, 1] } }\nlayers: [relu]\n';
  expectProblem(errors(both), 'input has both data and random; keep one', keyRange(both, 'random'));
  const ratio = 'input: { data: [[1]] }\nlayers: [{ type: dropout, ratio: 1 }]\n';
  expectProblem(errors(ratio), 'ratio must be in [0, 1), got 1', shrink(rangeOf(ratio, 'ratio: 1'), 7, 1));
  const mnist = 'input: { dataset: mnist, split: test, count: 20, offset: 1990 }\nlayers: [relu]\n';
  expectProblem(errors(mnist), 'mnist test has 2,000 digits; offset 1,990 + count 20 goes past the end', rangeOf(mnist, '20'));
  const target = 'input: { data: [[1, 2]] }\ntarget: { dataset: mnist }\nlayers: [{ type: affine, units: 10 }]\nloss: softmax-with-loss\n';
  expectProblem(errors(target), 'target dataset: mnist means the labels of the input digits, so the input must be dataset: mnist too', rangeOf(target, '{ dataset: mnist }'));
});

test('duplicate layer names, written or by default', () => {
  const written = 'input: { data: [[1]] }\nlayers:\n  - { type: relu, name: act }\n  - { type: tanh, name: act }\n';
  expectProblem(errors(written), "duplicate layer name 'act'", rangeOf(written, 'act', 1));
  const byDefault = 'input: { data: [[1]] }\nlayers:\n  - { type: affine, units: 2, name: Affine2 }\n  - { type: affine, units: 2 }\n';
  expectProblem(errors(byDefault), "duplicate layer name 'Affine2' (layer 2 is named Affine2 by default; rename one)", rangeOf(byDefault, 'Affine2'));
});

test('element limit: inline data and random shapes are refused before allocation', () => {
  const data = 'limits: { maxElements: 3 }\ninput: { data: [[1, 2], [3, 4]] }\nlayers: [relu]\n';
  expectProblem(errors(data), 'input data has shape [2, 2]: 4 elements, over the limit of 3 (limits.maxElements)', rangeOf(data, '[[1, 2], [3, 4]]'));
  const huge = 'input: { random: { shape: [1000000, 1000000] } }\nlayers: [relu]\n';
  const started = performance.now();
  expectProblem(errors(huge), 'random input has shape [1000000, 1000000]: 1,000,000,000,000 elements, over the limit of 50,000,000 (limits.maxElements)', rangeOf(huge, '[1000000, 1000000]'));
  assert.ok(performance.now() - started < 200, 'refused without allocating');
});

test('not a spec: bad YAML, empty documents, lists and scalars at the top, aliases', () => {
  const bad = 'seed: 1\nname: a: b\n';
  const p = errors(bad);
  assert.equal(p.length, 1);
  assert.equal(p[0].message, 'the value of name holds \': \', which YAML reads as a second key: quote the value (name: "a: b"), or put the mapping on lines of its own under name:');
  assert.equal(p[0].range.start.line, 1);
  const START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  for (const empty of ['', '# only a comment\n', '---\n']) {
    expectProblem(errors(empty), 'empty spec: write a network (input, layers, loss) or a graph (graph: inputs, nodes, output)', START);
  }
  const list = '- relu\n- tanh\n';
  expectProblem(errors(list), 'a spec must be a mapping, not a list: write a network (input, layers, loss) or a graph (graph: inputs, nodes, output)', rangeOf(list, list.trimEnd()));
  expectProblem(errors('42'), 'a spec must be a mapping, not 42: write a network (input, layers, loss) or a graph (graph: inputs, nodes, output)', rangeOf('42', '42'));
  const alias = 'input: &a { data: [[1, 2]] }\ntarget: *a\nlayers: [relu]\n';
  expectProblem(errors(alias), 'YAML aliases (*name) are not supported in specs; write the value out', rangeOf(alias, '*a'));
  const dup = 'seed: 1\nseed: 2\ninput: { data: [[1]] }\nlayers: [relu]\n';
  assert.equal(problem(errors(dup), "'seed' is given twice in this mapping (first on line 1): keep one of them").range.start.line, 1);
});

test('JSON syntax errors are reported as JSON errors at their position', () => {
  const cases: [string, string, string, number?][] = [
    ['{"layers": ["relu",], "input": {"data": [[1]]}}', 'trailing comma is not allowed in JSON', ','],
    ['{\n  // note\n  "layers": ["relu"]\n}', 'comments are not allowed in JSON', '//'],
    ["{\n  'layers': ['relu']\n}", 'JSON strings need double quotes', "'layers'"],
    ['{\n  layers: ["relu"]\n}', 'JSON property names need double quotes', 'layers'],
    ['{\n  "layers": ["relu"]\n  "input": {}\n}', "expected ',' or '}' after a property value", '"input"'],
    ['{"input": {"data": [[1, NaN]]}}', "'NaN' is not a JSON value", 'NaN'],
    ['{"input": {"data": [[1, 01]]}}', "invalid JSON number '01'", '01'],
    ['{"name": "a\\qb"}', "invalid escape '\\q' in JSON string", '\\q'],
    ['{"a": 1} x', 'unexpected text after the JSON value', 'x'],
  ];
  for (const [text, message, needle, nth] of cases) {
    const problems = errors(text, 'spec.backprop.json');
    assert.equal(problems.length, 1, text);
    expectProblem(problems, message, rangeOf(text, needle, nth ?? 0));
  }
  const early = '{"layers": ["relu"]';
  expectProblem(errors(early, 'a.json'), "JSON ends early: expected ',' or '}'", { start: { line: 0, character: early.length }, end: { line: 0, character: early.length } });
  const unterminated = '{"name": "abc';
  expectProblem(errors(unterminated, 'a.json'), 'unterminated JSON string', rangeOf(unterminated, '"abc'));
});

test('JSON specs with tabs, escapes and unicode parse like YAML', () => {
  const text = '{\n\t"name": "caf\\u00e9 \\"net\\"",\n\t"input": {"data": [[1e2, -0.5]]},\n\t"layers": ["tanh"],\n\t"loss": null\n}';
  const spec = network(text, 'x.json');
  assert.equal(spec.loss, null);
  assert.equal(spec.name, 'café "net"');
  assert.deepEqual(spec.input.kind === 'data' && Array.from(spec.input.tensor.data), [100, -0.5]);
});

test('graph form: the shop example', () => {
  const { spec, problems } = parseSpec(SHOP, 'shop.backprop.yaml');
  assert.deepEqual(problems, []);
  const graph = spec as GraphSpec;
  assert.equal(graph.form, 'graph');
  assert.deepEqual(
    graph.inputs.map((i) => [i.name, i.value]),
    [
      ['apple', 100],
      ['apple_num', 2],
      ['orange', 150],
      ['orange_num', 3],
      ['tax', 1.1],
    ],
  );
  assert.deepEqual(graph.inputs[4].range, rangeOf(SHOP, 'tax'));
  assert.deepEqual(
    graph.nodes.map((n) => [n.name, n.op, n.in]),
    [
      ['apple_price', 'mul', ['apple', 'apple_num']],
      ['orange_price', 'mul', ['orange', 'orange_num']],
      ['all_price', 'add', ['apple_price', 'orange_price']],
      ['price', 'mul', ['all_price', 'tax']],
    ],
  );
  assert.equal(graph.output, 'price');
  assert.deepEqual(graph.outputRange, shrink(rangeOf(SHOP, 'output: price'), 8, 5));
});

test('graph cycles are named in data-flow order, on the operand that closes them', () => {
  const two = 'graph:\n  inputs: { x: 1 }\n  nodes:\n    - { name: a, op: add, in: [x, b] }\n    - { name: b, op: neg, in: [a] }\n  output: a\n';
  expectProblem(errors(two), 'cycle in graph: a → b → a', shrink(rangeOf(two, 'in: [a]'), 5, 1));
  const three = 'graph:\n  inputs: { x: 1 }\n  nodes:\n    - { name: a, op: exp, in: [c] }\n    - { name: b, op: exp, in: [a] }\n    - { name: c, op: exp, in: [b] }\n  output: c\n';
  expectProblem(errors(three), 'cycle in graph: a → b → c → a', shrink(rangeOf(three, 'in: [a]'), 5, 1));
  const self = 'graph:\n  inputs: { x: 1 }\n  nodes:\n    - { name: a, op: mul, in: [a, x] }\n  output: a\n';
  expectProblem(errors(self), 'cycle in graph: a → a', shrink(rangeOf(self, 'in: [a'), 5, 1));
});

test('graph errors: unknown operand, op and output; arity; pow exponent; duplicate names', () => {
  const unknown = SHOP.replace('in: [apple, apple_num]', 'in: [aple, apple_num]');
  expectProblem(errors(unknown), "unknown name 'aple' — did you mean 'apple'?", rangeOf(unknown, 'aple'));
  const op = SHOP.replace('op: add', 'op: ad');
  expectProblem(errors(op), "unknown op 'ad' — did you mean 'add'?", shrink(rangeOf(op, 'op: ad,'), 4, 2));
  const output = SHOP.replace('output: price', 'output: prise');
  expectProblem(errors(output), "unknown output 'prise' — did you mean 'price'?", rangeOf(output, 'prise'));
  const arity = SHOP.replace('in: [all_price, tax]', 'in: [all_price, tax, apple]');
  expectProblem(errors(arity), 'mul takes 2 operands, got 3', rangeOf(arity, '[all_price, tax, apple]'));
  const pow = 'graph:\n  inputs: { x: 2 }\n  nodes:\n    - { name: y, op: pow, in: [x] }\n  output: y\n';
  expectProblem(errors(pow), 'pow needs an exponent, e.g. { op: pow, in: [x], exponent: 2 }', rangeOf(pow, 'pow'));
  const dup = SHOP.replace('name: price,', 'name: tax,  ').replace('output: price', 'output: tax');
  expectProblem(errors(dup), "duplicate name 'tax': already an input", rangeOf(dup, 'tax', 1));
  const json = '{"graph": {"inputs": {"x": 2}, "nodes": [{"name": "y", "op": "sqr", "in": ["x"]}], "output": "y"}}';
  expectProblem(errors(json, 'g.json'), "unknown op 'sqr' (expected mul, add, sub, div, neg, exp, log, pow, relu, sigmoid or tanh)", rangeOf(json, '"sqr"'));
  const ok = parseSpec('graph:\n  inputs: { x: 2 }\n  nodes: [{ name: y, op: pow, in: [x], exponent: 3 }]\n  output: y\n', 'g.yaml');
  assert.deepEqual(ok.problems, []);
  assert.equal((ok.spec as GraphSpec).nodes[0].exponent, 3);
});
