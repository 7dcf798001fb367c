// The `backprop` CLI as a user runs it: the built dist/cli.js in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const json = (...args: string[]) => {
  const r = cli(...args, '--json');
  assert.equal(r.stderr, '');
  return { code: r.code, report: JSON.parse(r.stdout) };
};

const dir = mkdtempSync(join(tmpdir(), 'backprop-cli-'));
const specFile = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

test('buy_apple through the CLI: the seed figures, exactly', () => {
  const { code, report } = json('run', 'examples/buy_apple.backprop.yaml');
  assert.equal(code, 0);
  const n = report.graph.nodes;
  assert.equal(n.price.value, 220.00000000000003);
  assert.equal(n.apple.grad, 2.2);
  assert.equal(n.apple_num.grad, 110.00000000000001);
  assert.equal(n.tax.grad, 200);
});

test('buy_apple_orange through the CLI: the seed figures, exactly', () => {
  const { code, report } = json('run', 'examples/buy_apple_orange.backprop.yaml');
  assert.equal(code, 0);
  assert.deepEqual(
    [report.name, report.loss, report.ok, report.graph.output],
    ['buy-apple-orange', null, true, 'price'],
  );
  const n = report.graph.nodes;
  assert.equal(n.price.value, 715.0000000000001);
  assert.equal(n.apple.grad, 2.2);
  assert.equal(n.apple_num.grad, 110.00000000000001);
  assert.equal(n.orange.grad, 3.3000000000000003);
  assert.equal(n.orange_num.grad, 165);
  assert.equal(n.tax.grad, 650);
  assert.equal(n.all_price.value, 650);
});

test('ReLU demo: the book mask and zeroed gradients, with --full tensors', () => {
  const { code, report } = json('run', 'examples/relu.backprop.yaml', '--full');
  assert.equal(code, 0);
  const [relu] = report.layers;
  assert.deepEqual([relu.name, relu.type, relu.outputShape], ['Relu1', 'relu', [2, 2]]);
  assert.deepEqual(relu.mask.values, [[0, 1], [1, 0]]);
  assert.deepEqual(relu.activation.values, [[1, 0], [0, 3]]);
  assert.deepEqual(relu.dx.values, [[1, 0], [0, 1]]);
  assert.equal(relu.mask.maskedFraction, 0.5);
  assert.equal(report.loss, null);
});

test('network report: layers in order with params, stats and check results', () => {
  const { code, report } = json('check', 'examples/two-layer-net.backprop.json');
  assert.equal(code, 0);
  assert.equal(report.ok, true);
  assert.ok(report.loss > 0);
  assert.deepEqual(
    report.layers.map((l: { name: string; outputShape: number[] }) => [l.name, l.outputShape]),
    [['Affine1', [2, 4]], ['Relu1', [2, 4]], ['Logits', [2, 2]]],
  );
  const W = report.layers[0].params.W;
  assert.deepEqual(W.shape, [3, 4]);
  assert.equal(W.stats.count, 12);
  assert.equal(typeof W.gradStats.l2, 'number');
  assert.equal(W.check.ok, true);
  assert.ok(W.check.maxAbsDiff < 1e-6);
  assert.equal(W.value, undefined, 'tensors only with --full');
});

test('a failing gradient check exits 1', () => {
  // rtol and atol of 0 cannot be met by central differences.
  const file = specFile('strict.backprop.yaml', `
input: { data: [[0.3, -0.2], [0.1, 0.4]] }
target: { labels: [0, 1] }
layers: [ { type: affine, units: 2, init: { std: 1 } }, sigmoid ]
loss: softmax-with-loss
check: { atol: 0, rtol: 0 }
`);
  const r = cli('check', file);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /FAIL/);
});

test('spec errors print file:line:col and exit 2, without a stack trace', () => {
  const cases: [string, string, RegExp][] = [
    ['typo.backprop.yaml', 'input: { data: [[1, 2]] }\nlayers:\n  - relux\n', /typo\.backprop\.yaml:3:5: error: unknown layer type 'relux' — did you mean 'relu'\?/],
    ['cycle.backprop.yaml', 'graph:\n  inputs: { x: 1 }\n  nodes:\n    - { name: a, op: add, in: [x, b] }\n    - { name: b, op: neg, in: [a] }\n  output: a\n', /cycle\.backprop\.yaml:\d+:\d+: error: cycle in graph: a → b → a/],
    ['bad.backprop.yaml', 'layers: [\n', /bad\.backprop\.yaml:\d+:\d+: error: /],
    ['bad.backprop.json', '{ "layers": [ }', /bad\.backprop\.json:1:\d+: error: /],
    ['huge.backprop.yaml', 'input: { random: { shape: [100000, 100000] } }\nlayers: [relu]\n', /huge\.backprop\.yaml:1:\d+: error: .*/],
  ];
  for (const [name, text, expected] of cases) {
    const r = cli('run', specFile(name, text));
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '');
  }
});

test('usage errors and unreadable files exit 2 with a message', () => {
  for (const args of [[], ['fly', 'x'], ['run'], ['run', 'a', 'b'], ['run', '--nope', 'x'], ['run', join(dir, 'missing.backprop.yaml')]]) {
    const r = cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^backprop: /);
  }
  assert.equal(cli('--help').code, 0);
});

test('the table lists every layer with its shape', () => {
  const r = cli('run', 'examples/broken/dead-relu.backprop.yaml');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Affine1\s+affine\s+\[32, 30\]/);
  assert.match(r.stdout, /Relu1\s+relu\s+\[32, 30\].*100%/);
});

test('gradient-health findings in the table and the JSON report', () => {
  const r = cli('run', 'examples/broken/dead-relu.backprop.yaml');
  assert.match(r.stdout, /⚠ Relu1: 30 of 30 units \(100%\) are dead for the whole batch/);
  const { report } = json('run', 'examples/broken/dead-relu.backprop.yaml');
  assert.deepEqual(report.findings.map((f: { kind: string; index: number }) => [f.kind, f.index]), [['dead-relu', 1]]);
  assert.deepEqual(json('run', 'examples/two-layer-net.backprop.json').report.findings, []);
});
