// The `backprop` CLI as a user runs it: the built dist/cli.js in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeHostile } from './hostile-layers';

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** The CLI under node `flags`, ended after 20 s: none of these may hang the suite. */
const bounded = (flags: string[], ...args: string[]) => {
  const r = spawnSync(process.execPath, [...flags, 'dist/cli.js', ...args], { encoding: 'utf8', timeout: 20_000 });
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

test('--full prints 4-D tensors nested in their own shape: activation, pooling mask, dx, W and dW', () => {
  const file = specFile(
    'conv.backprop.yaml',
    'input: { data: [[[[1, 5, 2], [0, 3, 4], [6, 1, 1]]]] }\nlayers:\n  - { type: convolution, weights: { W: [[[[1, 0], [0, 1]]], [[[0, 1], [1, 0]]]], b: [0, 1] } }\n  - { type: pooling, size: 2, stride: 1 }\n',
  );
  const { code, report } = json('run', file, '--full');
  assert.equal(code, 0);
  const [conv, pool] = report.layers;
  // W[0] sums the main diagonal of each window, W[1] the other one plus 1.
  assert.deepEqual(conv.activation.values, [[[[4, 9], [1, 4]], [[6, 6], [10, 6]]]]);
  assert.deepEqual(conv.params.W.value, [[[[1, 0], [0, 1]]], [[[0, 1], [1, 0]]]]);
  // Each filter's dW is the window its pooled winner came from; dx is the winning filter laid on that window.
  assert.deepEqual(conv.params.W.grad, [[[[5, 2], [3, 4]]], [[[0, 3], [6, 1]]]]);
  assert.deepEqual(pool.activation.values, [[[[9]], [[10]]]]);
  assert.deepEqual(pool.mask.values, [[[[0, 1], [0, 0]], [[0, 0], [1, 0]]]]);
  assert.deepEqual(pool.dx.values, [[[[0, 1], [0, 0]], [[0, 0], [1, 0]]]]);
  assert.deepEqual(conv.dx.values, [[[[0, 1, 0], [0, 1, 1], [1, 0, 0]]]]);
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

test('run of a comparison of inits: each layer\'s distribution in each variant, as bars and in the JSON report', () => {
  const spec = 'examples/weight-init-activation-histogram.backprop.yaml';
  const { code, stdout } = cli('run', spec);
  assert.equal(code, 0);
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('init compared over 3 variants, each run once'));
  assert.ok(header > 0, stdout);
  assert.match(lines[header + 1], /^layer +range +std 1 +std 0\.01 +xavier$/);
  // 30 bins as 15 bars: std 1 piles sigmoid's outputs in the end bars, std 0.01 in the middle ones.
  const sigmoid1 = lines.slice(header).find((l) => l.startsWith('Sigmoid1 '))!;
  const at = ['std 1', 'std 0.01', 'xavier'].map((label) => lines[header + 1].indexOf(label));
  const [std1, std001, xavier] = at.map((column) => sigmoid1.slice(column, column + 15));
  assert.deepEqual([std1[0], std1.at(-1)], ['█', '█'], sigmoid1);
  assert.match(std001, /^ +▁*█▁* +$/, sigmoid1);
  assert.match(xavier, /^[▁-█]{15}$/, sigmoid1);
  const { report } = json('run', spec);
  assert.equal(report.variants.key, 'init');
  assert.deepEqual(report.variants.variants.map((v: { label: string; layers: unknown[] }) => [v.label, v.layers.length]), [['std 1', 10], ['std 0.01', 10], ['xavier', 10]]);
  assert.deepEqual(Object.keys(report.variants.variants[0].layers[1].activation), ['lo', 'hi', 'counts', 'outside']);
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
  const v = cli('--version');
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `backprop ${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`);
});

test('the table lists every layer with its shape', () => {
  const r = cli('run', 'examples/broken/dead-relu.backprop.yaml');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Affine1\s+affine\s+\[32, 30\]/);
  assert.match(r.stdout, /Relu1\s+relu\s+\[32, 30\].*100%/);
});

test('gradient-health findings in the table and the JSON report', () => {
  const r = cli('run', 'examples/broken/dead-relu.backprop.yaml');
  assert.match(r.stdout, /^examples\/broken\/dead-relu\.backprop\.yaml:11:5: warning: Relu1: 30 of 30 units \(100%\) are dead for the whole batch/m);
  const { report } = json('run', 'examples/broken/dead-relu.backprop.yaml');
  assert.deepEqual(report.findings.map((f: { kind: string; index: number }) => [f.kind, f.index]), [['dead-relu', 1]]);
  assert.deepEqual(json('run', 'examples/two-layer-net.backprop.json').report.findings, []);
});

test('findings print as a compiler prints warnings, on their layer\'s line, each fix as a note on the line it edits', () => {
  const dead = cli('run', 'examples/broken/dead-relu.backprop.yaml');
  const findings = dead.stdout.slice(dead.stdout.indexOf('\nfindings\n') + '\nfindings\n'.length).trimEnd().split('\n');
  assert.deepEqual(findings, [
    "examples/broken/dead-relu.backprop.yaml:11:5: warning: Relu1: 30 of 30 units (100%) are dead for the whole batch; Affine1's bias -1 holds them below 0: without it, 25 of the 30 would fire",
    "examples/broken/dead-relu.backprop.yaml:10:37: note: fix: Use He init (suits ReLU stacks) in Affine1 and remove its bias -1: '{ std: 0.01, bias: -1 }' → 'he'",
  ]);
  // A block mapping's init, with a comment on the layer's first line.
  const wide = specFile('wide.backprop.yaml', 'seed: 1\ninput: { random: { shape: [8, 64] } }\ntarget: { random: { shape: [8] } }\nlayers:\n  - type: affine\n    units: 64\n  - sigmoid\n  - type: affine   # wide\n    units: 64\n    init: { std: 9 }\n  - sigmoid\n  - { type: affine, units: 10 }\nloss: softmax-with-loss\n');
  assert.deepEqual(cli('run', wide).stdout.split('\n').filter((l) => l.startsWith(wide)), [
    `${wide}:11:5: warning: Sigmoid2: 432 of 512 outputs (84%) are saturated (out·(1 − out) < 0.001)`,
    `${wide}:10:10: note: fix: Use Xavier init (suits sigmoid/tanh) in Affine2: '{ std: 9 }' → 'xavier'`,
  ]);
  assert.equal(cli('run', 'examples/two-layer-net.backprop.json').stdout.includes('findings'), false);
});

test('custom layers: swish passes, swish-wrong fails at its elements, the seed typo is named', () => {
  const swish = cli('check', 'examples/custom/swish.backprop.yaml');
  assert.equal(swish.code, 0, swish.stderr);
  assert.match(swish.stdout, /Swish1\s+custom\s+\[3, 4\].*ok/);
  assert.match(swish.stdout, /layer\s+param\s+mean \|a−n\|\s+max \|a−n\|\s+max rel\s+failures\s+non-diff\.\s+result/);
  assert.match(swish.stdout, /Swish1\s+beta\s.*\s0\s+0\s+ok/);
  assert.match(swish.stdout, /Swish1\s+dx\s.*\s0\s+0\s+ok/);

  const wrong = cli('check', 'examples/custom/swish-wrong.backprop.yaml');
  assert.equal(wrong.code, 1, wrong.stderr);
  assert.match(wrong.stdout, /SwishWrong1\s+dx\s.*\s8\s+0\s+FAIL/);
  assert.match(wrong.stdout, /^examples\/custom\/swish-wrong\.backprop\.yaml:\d+:\d+: warning: SwishWrong1\.dx: gradient check failed at 8 of 12 elements/m);
  // Its input is 1 at [0, 0], [1, 0], [1, 3] and [2, 2]; no listed failure is one of them.
  const listed = wrong.stdout.match(/SwishWrong1\.dx fails at (.*)/)![1];
  assert.match(listed, /and 3 more$/);
  const indices = [...listed.matchAll(/\[(\d), (\d)\] \(backprop/g)].map((m) => `${m[1]},${m[2]}`);
  assert.equal(indices.length, 5);
  for (const i of indices) assert.ok(!['0,0', '1,0', '1,3', '2,2'].includes(i), i);

  const seed = cli('check', 'examples/custom/seed-softmax.backprop.yaml');
  assert.equal(seed.code, 2);
  assert.equal(seed.stdout, '');
  assert.equal(seed.stderr.trim(), "examples/custom/seed-softmax.backprop.yaml:9:29: error: SeedSoftmax1: the module has no forward(x) — did you mean 'foward'?");
});

test('custom layers in the JSON report: dx checks and non-differentiable counts', () => {
  const { code, report } = json('check', 'examples/custom/swish-wrong.backprop.yaml');
  assert.equal(code, 1);
  const [swish, affine] = report.layers;
  assert.deepEqual([swish.name, swish.type, affine.name], ['SwishWrong1', 'custom', 'Affine1']);
  assert.deepEqual([swish.params.beta.check.ok, swish.params.beta.check.nonDifferentiable], [true, 0]);
  const dx = swish.dx.check;
  assert.deepEqual([dx.ok, dx.failures, dx.nonDifferentiable, dx.worst.length], [false, 8, 0, 10]);
  assert.deepEqual(Object.keys(dx.worst[0]).sort(), ['analytic', 'failed', 'flat', 'index', 'nonDifferentiable', 'numerical']);
  assert.ok(dx.worst.slice(0, 8).every((w: { failed: boolean }) => w.failed) && dx.worst.slice(8).every((w: { failed: boolean }) => !w.failed));
  assert.equal(affine.dx.check.ok, true);
  assert.equal(typeof affine.dx.l2, 'number', 'dx keeps its stats');
});

test('a custom layer failing in the run exits 3 on its line; one that cannot load exits 2 on its module', () => {
  mkdirSync(join(dir, 'layers'), { recursive: true });
  writeFileSync(join(dir, 'layers', 'bad.js'), "module.exports = { forward(x) { return { shape: x.shape, data: x.data.slice() }; }, backward() { throw new Error('not written yet'); } };\n");
  writeFileSync(join(dir, 'layers', 'typo.js'), 'module.exports = {\n  forward(x) { return x ) },\n};\n');
  const spec = (module: string) => specFile(`custom-${module.replace(/\W/g, '')}.backprop.yaml`, `input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ${module} }\n`);
  const bad = spec('./layers/bad.js');
  const failed = cli('run', bad);
  assert.equal(failed.code, 3);
  assert.equal(failed.stderr.trim(), `${bad}:4:13: error: Bad1.backward threw: not written yet`);
  for (const [module, message] of [
    ['./layers/none.js', `cannot load ./layers/none.js: there is no file ${join(dir, 'layers', 'none.js')}`],
    ['./layers/typo.js', "cannot load ./layers/typo.js: Unexpected token ')' (line 2)"],
  ]) {
    const file = spec(module);
    const r = cli('run', file);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim(), `${file}:4:29: error: ${message}`);
  }
});

test('custom code that never returns is stopped after --custom-timeout: exit 3 on its line, for a method, a class and a module', (t) => {
  mkdirSync(join(dir, 'layers'), { recursive: true });
  writeFileSync(join(dir, 'layers', 'loop.js'), 'module.exports = { forward(x) { for (;;) {} }, backward(d) { return d; } };\n');
  writeFileSync(join(dir, 'layers', 'ctor.js'), 'module.exports = class { constructor() { for (;;) {} } forward(x) { return x; } backward(d) { return d; } };\n');
  writeFileSync(join(dir, 'layers', 'top.js'), 'for (;;) {}\n');
  const cases = [
    ['loop', 'run', 'Loop1.forward did not return within 0.5 s'],
    ['ctor', 'check', 'constructing Ctor1 did not return within 0.5 s'],
    ['top', 'train', 'loading ./layers/top.js did not return within 0.5 s'],
  ];
  for (const [name, command, message] of cases) {
    const file = specFile(`hang-${name}.backprop.yaml`, `input: { data: [[1, 2]] }\ntarget: { data: [[0, 1]] }\nlayers:\n  - relu\n  - { type: custom, module: ./layers/${name}.js }\nloss: mse\ntrain: { iterations: 2, batch: 1 }\n`);
    const started = Date.now();
    const r = cli(command, file, '--custom-timeout=0.5');
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim(), `${file}:5:13: error: ${message}; stopped (--custom-timeout=SECONDS to wait longer)`);
    assert.equal(r.stdout, '');
    t.diagnostic(`${name}: the CLI ended ${Date.now() - started} ms after it started, limit 500 ms`);
  }
  // A bad limit is a usage error.
  const r = cli('run', 'examples/relu.backprop.yaml', '--custom-timeout=0');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--custom-timeout needs a number of seconds above 0/);
});

test('a spec with custom layers runs on the watched thread with the same output and exit status as before', () => {
  const r = cli('check', 'examples/custom/swish-wrong.backprop.yaml', '--custom-timeout=60');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /SwishWrong1\s+custom/);
  assert.match(r.stdout, /FAIL/);
  assert.equal(r.stderr, '');
});

test('train: a row per evaluation, --json lines and a summary; no train: section is exit 2 at 1:1', () => {
  const file = specFile(
    'tiny-train.backprop.yaml',
    `input: { data: [[1, 0.2], [-1, -0.3], [0.8, 0.5], [-0.6, -0.9]] }
target: { labels: [1, 0, 1, 0] }
layers: [{ type: affine, units: 2 }]
loss: softmax-with-loss
train: { iterations: 40, batch: 2, optimizer: { type: sgd, lr: 0.5 }, eval: { every: 20 } }
`,
  );
  const text = cli('train', file);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^tiny-train: 40 iterations, batch 2, sgd \(lr 0\.5\); train 4, no test set$/m);
  const rows = text.stdout.split('\n').filter((l) => /^\s+\d+\s/.test(l));
  assert.deepEqual(rows.map((r) => r.trim().split(/\s+/)[0]), ['20', '40']);
  const r = cli('train', file, '--json');
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.kind, l.iteration ?? l.iterations]), [['eval', 20], ['eval', 40], ['done', 40]]);
  assert.equal(lines[1].epoch, 20);
  assert.ok(lines[1].loss < lines[0].loss);
  // No test set apart from the training rows: no test accuracy.
  assert.deepEqual([lines[2].trainAcc, lines[2].testAcc], [1, null]);
  assert.equal(typeof lines[2].seconds, 'number');
  // 7 of 9 rows at best (two contradict others): accuracies print to five decimals, not three digits.
  const seven = specFile(
    'seven-of-nine.backprop.yaml',
    `input: { data: [[1, 0.2], [0.9, 0.1], [0.8, 0.5], [1.1, 0.3], [-1, -0.3], [-0.9, -0.1], [-0.6, -0.9], [1, 0.2], [-1, -0.3]] }
target: { labels: [1, 1, 1, 1, 0, 0, 0, 0, 1] }
layers: [{ type: affine, units: 2 }]
loss: softmax-with-loss
train: { iterations: 200, batch: 9, optimizer: { type: sgd, lr: 0.5 }, eval: { every: 100 } }
`,
  );
  const acc = cli('train', seven);
  assert.equal(acc.code, 0);
  assert.match(acc.stdout, /^\s+200\s+200\s+\S+\s+0\.77778\s+—$/m);
  assert.match(acc.stdout, /train acc 0\.77778, no test set$/m);
  const none = cli('train', 'examples/relu.backprop.yaml');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^examples\/relu\.backprop\.yaml:1:1: error: no train: section/);
});

test('train: the header names the optimizer with the settings the spec gives, and the weight decay', () => {
  const file = specFile(
    'decayed.backprop.yaml',
    `input: { data: [[1, 0.2], [-1, -0.3]] }
target: { labels: [1, 0] }
layers: [{ type: affine, units: 2 }]
loss: softmax-with-loss
train: { iterations: 4, batch: 2, optimizer: { type: rmsprop, decay: 0.9 }, weightDecay: 0.01 }
`,
  );
  const r = cli('train', file);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^decayed: 4 iterations, batch 2, rmsprop \(decay 0\.9\), weight decay 0\.01; train 2/m);
  const plain = specFile('nesterov.backprop.yaml', readFileSync(file, 'utf8').replace('{ type: rmsprop, decay: 0.9 }, weightDecay: 0.01', 'nesterov'));
  assert.match(cli('train', plain).stdout, /^nesterov: 4 iterations, batch 2, nesterov; train 2/m);
});

test('a graph node named __proto__ is reported like any other: its NaN makes ok false and exit 1', () => {
  const file = specFile('proto.backprop.yaml', 'graph:\n  inputs: { x: -1 }\n  nodes:\n    - { name: __proto__, op: log, in: [x] }\n    - { name: y, op: neg, in: [__proto__] }\n  output: y\n');
  const { code, report } = json('run', file);
  assert.equal(code, 1);
  assert.equal(report.ok, false);
  assert.deepEqual(Object.keys(report.graph.nodes), ['x', '__proto__', 'y']);
  assert.equal(report.graph.nodes.__proto__.value, null); // NaN, which JSON prints as null
  assert.deepEqual(report.graph.nodes.__proto__.in, ['x']);
  const table = cli('run', file);
  assert.match(table.stdout, /^__proto__ +log +NaN/m);
});

test('control characters from the spec are printed escaped: one line per problem, no raw escapes', () => {
  const file = specFile('inject.backprop.yaml', 'input: { data: [[1]] }\nlayers: [relu]\n"a\\nother.yaml:9:9: error: fake": 1\n"\\e[31mred\\a\\0": 2\n');
  const { code, stderr } = cli('run', file);
  assert.equal(code, 0);
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, stderr);
  for (const line of lines) assert.ok(line.startsWith(`${file}:`), line);
  // eslint-disable-next-line no-control-regex -- asserting that none reached the terminal
  assert.doesNotMatch(stderr.replace(/\n/g, ''), /[\u0000-\u001f\u007f]/);
  assert.ok(lines[0].includes("unknown key 'a\\nother.yaml:9:9: error: fake'"), lines[0]);
  assert.ok(lines[1].includes("unknown key '\\u001b[31mred\\u0007\\u0000'"), lines[1]);
});

test('a UTF-16 spec is refused at 1:1: save the spec as UTF-8', () => {
  const text = 'input: { data: [[1]] }\nlayers: [relu]\n';
  const le = specFile('le.backprop.yaml', '');
  writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const noMark = specFile('nomark.backprop.yaml', '');
  writeFileSync(noMark, Buffer.from(text, 'utf16le'));
  for (const file of [le, noMark]) {
    const { code, stderr } = cli('run', file);
    assert.equal(code, 2);
    assert.equal(stderr, `${file}:1:1: error: the spec is UTF-16 (or UTF-32) text, not UTF-8: save the spec as UTF-8\n`);
  }
});

test('user code that attacks from outside its plain code is stopped or refused on its line, exit 3, in bounded time', (t) => {
  writeHostile(join(dir, 'hostile'));
  const stopped = (name: string) => `${name}.forward did not return within 0.5 s; stopped (--custom-timeout=SECONDS to wait longer)`;
  const cases: [string, string][] = [
    ['getter.js', stopped('Getter1')],
    ['proxydata.js', stopped('Proxydata1')],
    ['tostring.js', stopped('Tostring1')],
    ['proxy.js', 'Proxy1.forward returned a value that threw as it was read: trap'],
    ['getthrow.js', 'Getthrow1.forward returned a value that threw as it was read: no data yet'],
    ['nullproto.js', 'Nullproto1.forward threw: an object that cannot be shown as text'],
    ['exit.js', "Exit1.forward called process.exit(7), which ended the engine's thread"],
    ['oom.js', 'the engine ran out of memory while Oom1.forward ran'],
    ['never.mjs', 'loading ./hostile/never.mjs never finished: it awaits a promise that nothing settles (a top-level await?)'],
  ];
  for (const [module, message] of cases) {
    const file = specFile(`hostile-${module}.backprop.yaml`, `input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ./hostile/${module} }\n`);
    const started = Date.now();
    // A small heap, so running out of memory is quick; the worker thread inherits it.
    const r = bounded(['--max-old-space-size=64'], 'run', file, '--custom-timeout=0.5');
    assert.equal(r.stderr.trim(), `${file}:4:13: error: ${message}`, module);
    assert.equal(r.code, 3, module);
    assert.equal(r.stdout, '', module);
    t.diagnostic(`${module}: the CLI ended after ${Date.now() - started} ms`);
  }
  // The run is reported, and then the rejection nobody handled.
  const reject = specFile('hostile-reject.backprop.yaml', 'input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ./hostile/reject.js }\n');
  const r = bounded([], 'run', reject);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /Reject1\s+custom/);
  assert.equal(
    r.stderr.trim(),
    `${reject}:4:13: error: custom code failed after Reject1.backward had returned, with an error nothing caught (a rejected promise nobody handled, or a throw in a timer): nobody waits for me`,
  );
  // Its reason's toString never returns: formatting it is timed as the layer's last call, and stopped.
  const loop = specFile('hostile-rejectloop.backprop.yaml', 'input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ./hostile/rejectloop.js }\n');
  const l = bounded([], 'run', loop, '--custom-timeout=0.5');
  assert.equal(l.code, 3);
  assert.equal(l.stderr.trim(), `${loop}:4:13: error: Rejectloop1.backward did not return within 0.5 s; stopped (--custom-timeout=SECONDS to wait longer)`);
});

test('a module-level timer no longer keeps the CLI alive, and an overridden slice or length is never called', () => {
  writeHostile(join(dir, 'hostile'));
  const interval = specFile('hostile-interval.backprop.yaml', 'input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ./hostile/interval.js }\n');
  const started = Date.now();
  const r = bounded([], 'run', interval);
  assert.deepEqual([r.code, r.stderr], [0, '']);
  assert.match(r.stdout, /Interval1\s+custom\s+\[1, 2\]/);
  assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
  const slice = specFile('hostile-slice.backprop.yaml', 'input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ./hostile/slice.js }\n');
  const s = bounded([], 'run', slice, '--json', '--full', '--custom-timeout=0.5');
  assert.deepEqual([s.code, s.stderr], [0, '']);
  assert.deepEqual(JSON.parse(s.stdout).layers[1].activation.values, [[2, 4]]);
});
