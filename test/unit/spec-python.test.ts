// Parsing python layers, losses and graph nodes: the book's Affine(W, b) in its short forms, names
// counted as the built-ins' are, and every mistake an error on the value to change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSpec, parseSpec } from '../../src/spec';
import { PYTHON_REFUSED } from '../../src/spec/resolve';
import { layerTypeName, lossTypeName } from '../../src/spec/type-names';
import { expectProblem, rangeOf } from './spec-helpers';

const network = (layers: string, loss = 'softmax-with-loss') => `input: { random: { shape: [2, 4] } }\ntarget: { labels: [0, 1] }\nlayers:\n${layers}loss: ${loss}\n`;

test("a python layer: the class's name counted as a built-in's, and args as values, lists, zeros and normals", () => {
  const text = network(
    '  - { type: python, module: ./layers.py, class: Affine, args: { W: { std: 0.01, shape: [4, 3] }, b: { zeros: [3] }, c: [[1, 2]], scale: 0.5, tag: two, on: true } }\n' +
      '  - { type: python, module: ./layers.py, class: Relu }\n  - relu\n  - { type: affine, units: 2 }\n',
  );
  const { spec, problems } = parseSpec(text, 'net.backprop.yaml');
  assert.deepEqual(problems, []);
  assert.ok(spec?.form === 'network');
  assert.deepEqual(spec.layers.map((l) => [l.name, l.type]), [['Affine1', 'custom'], ['Relu1', 'custom'], ['Relu2', 'relu'], ['Affine2', 'affine']]);
  assert.deepEqual(spec.layers.map(layerTypeName), ['python Affine', 'python Relu', 'relu', 'affine'], 'shown as the classes they are');
  const [affine] = spec.layers;
  assert.equal(affine.module, './layers.py');
  assert.equal(affine.python?.className, 'Affine');
  assert.deepEqual(affine.python?.classRange, rangeOf(text, 'Affine', 0));
  const args = affine.python!.args;
  assert.deepEqual(args.W, { kind: 'normal', std: 0.01, shape: [4, 3], range: rangeOf(text, '{ std: 0.01, shape: [4, 3] }') });
  assert.ok(args.b.kind === 'array' && args.b.source.kind === 'data');
  assert.deepEqual(args.b.kind === 'array' && args.b.source.kind === 'data' && [args.b.source.tensor.shape, [...args.b.source.tensor.data]], [[3], [0, 0, 0]]);
  assert.deepEqual(args.c.kind === 'array' && args.c.source.kind === 'data' && [...args.c.source.tensor.data], [1, 2]);
  assert.deepEqual([args.scale, args.tag, args.on], [{ kind: 'value', value: 0.5 }, { kind: 'value', value: 'two' }, { kind: 'value', value: true }]);
});

test('python layer mistakes: each on the value to change', () => {
  const cases: [string, string, string][] = [
    ['{ type: python, module: ./layers.js, class: Relu }', "module must be a Python file (.py), got './layers.js'", './layers.js'],
    ['{ type: python, module: ./layers.py }', 'a python layer needs its class, e.g. { type: python, module: ./layers.py, class: Relu }', 'python'],
    ['{ type: python, module: ./layers.py, class: 2Relu }', "class must be a Python class name such as Relu, got '2Relu'", '2Relu'],
    ['{ type: python, module: ./layers.py, class: Relu, args: { W: { std: 0.1 } } }', 'W needs both std and shape, e.g. { std: 0.01, shape: [784, 50] }', '{ std: 0.1 }'],
  ];
  for (const [layer, message, at] of cases) {
    const text = network(`  - ${layer}\n`);
    expectProblem(parseSpec(text, 'net.backprop.yaml').problems, message, rangeOf(text, at));
  }
  const unknown = network('  - { type: python, module: ./layers.py, class: Relu, units: 3 }\n');
  assert.ok(parseSpec(unknown, 'n.backprop.yaml').problems.some((p) => p.message.startsWith("unknown key 'units'") && p.range.start.line === 3), JSON.stringify(parseSpec(unknown, 'n.backprop.yaml').problems));
});

test('a python loss is checked as softmax-with-loss is, and remembers its class', () => {
  const text = network('  - { type: affine, units: 2 }\n', '{ type: python, module: ./layers.py, class: SoftmaxWithLoss }');
  const { spec, problems } = parseSpec(text, 'net.backprop.yaml');
  assert.deepEqual(problems, []);
  assert.ok(spec?.form === 'network');
  assert.equal(spec.loss, 'softmax-with-loss');
  assert.deepEqual([spec.pythonLoss?.module, spec.pythonLoss?.className], ['./layers.py', 'SoftmaxWithLoss']);
  assert.equal(lossTypeName(spec, 'SoftmaxWithLoss'), 'python SoftmaxWithLoss', 'shown as the class it is');
  const builtIn = parseSpec(network('  - { type: affine, units: 2 }\n'), 'net.backprop.yaml').spec;
  assert.ok(builtIn?.form === 'network');
  assert.equal(lossTypeName(builtIn, 'SoftmaxWithLoss'), 'softmax-with-loss');
});

test('a python graph node takes any number of operands; its module and class are required', () => {
  const text = 'graph:\n  inputs: { a: 1, b: 2, c: 3 }\n  nodes:\n    - { name: y, op: python, module: ./ops.py, class: Sum3, in: [a, b, c] }\n  output: y\n';
  const { spec, problems } = parseSpec(text, 'g.backprop.yaml');
  assert.deepEqual(problems, []);
  assert.ok(spec?.form === 'graph');
  assert.deepEqual([spec.nodes[0].op, spec.nodes[0].in, spec.nodes[0].python?.className], ['python', ['a', 'b', 'c'], 'Sum3']);
  const refused = loadSpec(text, 'g.backprop.yaml', undefined, { allowCustom: false }).problems;
  expectProblem(refused, PYTHON_REFUSED, rangeOf(text, '{ name: y, op: python, module: ./ops.py, class: Sum3, in: [a, b, c] }'));
  const bad = 'graph:\n  inputs: { a: 1 }\n  nodes:\n    - { name: y, op: python, class: Neg, in: [a] }\n  output: y\n';
  expectProblem(parseSpec(bad, 'g.backprop.yaml').problems, 'a python node needs its module, e.g. { name: y, op: python, module: ./layers.py, class: MulLayer, in: [a, b] }', rangeOf(bad, 'python'));
});

test('a python graph node takes plain args; an array there is an error on the arg, not dropped', () => {
  const node = (args: string) => `graph:\n  inputs: { a: 1 }\n  nodes:\n    - { name: y, op: python, module: ./ops.py, class: Scale, in: [a], args: ${args} }\n  output: y\n`;
  const plain = parseSpec(node('{ k: 3, name: s, on: true, none: null }'), 'g.backprop.yaml');
  assert.deepEqual(plain.problems, []);
  assert.ok(plain.spec?.form === 'graph');
  assert.deepEqual(plain.spec.nodes[0].python?.args, { k: { kind: 'value', value: 3 }, name: { kind: 'value', value: 's' }, on: { kind: 'value', value: true }, none: { kind: 'value', value: null } });
  const message = (name: string) => `${name} must be a number, a string, true/false or null: a graph's values are numbers, so its nodes take no arrays (a network spec's python layers do)`;
  for (const [arg, at] of [
    ['{ k: [3] }', '[3]'],
    ['{ k: [1, 2] }', '[1, 2]'],
    ['{ k: { file: w.npy } }', '{ file: w.npy }'],
    ['{ k: { zeros: [2] } }', '{ zeros: [2] }'],
    ['{ k: { std: 0.1, shape: [2] } }', '{ std: 0.1, shape: [2] }'],
  ]) {
    const text = node(arg);
    expectProblem(parseSpec(text, 'g.backprop.yaml').problems, message('k'), rangeOf(text, at));
  }
  const infinite = node('{ k: .inf }');
  expectProblem(parseSpec(infinite, 'g.backprop.yaml').problems, 'k must be a number, a string, true/false or null', rangeOf(infinite, '.inf'));
});

test('a python network: its layers come as it loads, and Restricted Mode refuses it on its line', () => {
  const text = 'input: { random: { shape: [2, 4] } }\ntarget: { labels: [0, 1] }\nnetwork: { module: ./net.py, class: TwoLayerNet, args: { input_size: 4 } }\n';
  const { spec, problems } = parseSpec(text, 'net.backprop.yaml');
  assert.deepEqual(problems, []);
  assert.ok(spec?.form === 'network');
  assert.deepEqual([spec.layers, spec.loss, spec.pythonNetwork?.className, spec.pythonNetwork?.args], [[], 'softmax-with-loss', 'TwoLayerNet', { input_size: { kind: 'value', value: 4 } }]);
  const refused = loadSpec(text, 'net.backprop.yaml', undefined, { allowCustom: false }).problems;
  expectProblem(refused, PYTHON_REFUSED, rangeOf(text, '{ module: ./net.py, class: TwoLayerNet, args: { input_size: 4 } }'));
  const both = `${text}layers: [relu]\n`;
  expectProblem(parseSpec(both, 'net.backprop.yaml').problems, 'network: brings its own layers; keep layers: or network:, not both', rangeOf(both, 'network'));
});
