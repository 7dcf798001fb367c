// Python layers, losses and graph nodes through the built CLI (dist/cli.js, dist/bridge.py), as a
// user runs them: the seed's own classes give the seed's figures, and every failure of the user's
// code is one message on the spec's line, with the Python file and line, and exit status 3.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON, needsPython } from './python-helpers';

const root = join(__dirname, '..', '..', '..');
const cli = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, BACKPROP_PYTHON: PYTHON, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const dir = mkdtempSync(join(tmpdir(), 'backprop-python-cli-'));
copyFileSync(join(root, 'examples', 'python', 'seed_layers.py'), join(dir, 'seed_layers.py'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
};
/** Line (1-based) of the first line of `file` in `dir` that contains `text`. */
const lineOf = (file: string, text: string) => readFileSync(join(dir, file), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

/** A spec of one Affine and the python layer `cls` of `module`, with a built-in loss. */
const layerSpec = (module: string, cls: string) => `input:\n  data: [[1.0, -0.5], [-2.0, 3.0]]\ntarget:\n  labels: [0, 1]\nlayers:\n  - { type: affine, units: 2 }\n  - { type: python, module: ${module}, class: ${cls} }\nloss: softmax-with-loss\n`;

test("the shop graph through the seed's own MulLayer and AddLayer: the seed's figures, exactly", (t) => {
  if (!needsPython(t)) return;
  const r = cli(['run', join(root, 'examples', 'python', 'shop.backprop.yaml'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const n = JSON.parse(r.stdout).graph.nodes;
  assert.equal(n.price.value, 715.0000000000001);
  assert.equal(n.tax.grad, 650);
  assert.equal(n.apple.grad, 2.2);
  assert.equal(n.apple_num.grad, 110.00000000000001);
  assert.equal(n.orange.grad, 3.3000000000000003);
  assert.equal(n.orange_num.grad, 165);

  const apple = write('buy_apple.backprop.yaml', 'graph:\n  inputs: { apple: 100, apple_num: 2, tax: 1.1 }\n  nodes:\n    - { name: apple_price, op: python, module: ./seed_layers.py, class: MulLayer, in: [apple, apple_num] }\n    - { name: price, op: python, module: ./seed_layers.py, class: MulLayer, in: [apple_price, tax] }\n  output: price\n');
  const b = JSON.parse(cli(['run', apple, '--json']).stdout).graph.nodes;
  assert.deepEqual([b.price.value, b.apple.grad, b.apple_num.grad, b.tax.grad], [220.00000000000003, 2.2, 110.00000000000001, 200]);
});

test('a python graph node gets its plain args as keywords; an array arg is a spec error (exit 2), never dropped', (t) => {
  if (!needsPython(t)) return;
  write('scale.py', 'class Scale:\n    def __init__(self, k, offset=0):\n        self.k = k\n        self.offset = offset\n    def forward(self, x):\n        return self.k * x + self.offset\n    def backward(self, dout):\n        return (dout * self.k,)\n');
  const spec = (args: string) => write('scale.backprop.yaml', `graph:\n  inputs: { a: 2 }\n  nodes:\n    - { name: y, op: python, module: ./scale.py, class: Scale, in: [a], args: ${args} }\n  output: y\n`);
  const r = cli(['run', spec('{ k: 3, offset: 0.5 }'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const n = JSON.parse(r.stdout).graph.nodes;
  assert.deepEqual([n.y.value, n.a.grad], [6.5, 3]);
  const array = cli(['run', spec('{ k: [3] }')]);
  assert.equal(array.code, 2);
  assert.match(array.stderr, /scale\.backprop\.yaml:4:\d+: error: k must be a number, a string, true\/false or null: a graph's values are numbers, so its nodes take no arrays/);
});

test("the seed's Relu and Sigmoid give the built-in layers' loss and gradients; Relu's write into dout is a warning on its line", (t) => {
  if (!needsPython(t)) return;
  const spec = join(root, 'examples', 'python', 'relu-sigmoid.backprop.yaml');
  const python = cli(['check', spec, '--json']);
  assert.equal(python.code, 0, python.stderr);
  assert.match(python.stderr, /relu-sigmoid\.backprop\.yaml:12:\d+: warning: Relu1\.backward changed its input dout at \d+ elements; return a new array\n/);
  assert.equal(python.stderr.split('\n').filter((l) => l.includes('warning')).length, 1, 'said once, though the check calls backward again');
  const builtIn = write('built-in.backprop.yaml', readFileSync(spec, 'utf8').replace('{ type: python, module: ./seed_layers.py, class: Relu }', 'relu').replace('{ type: python, module: ./seed_layers.py, class: Sigmoid }', 'sigmoid'));
  const reference = JSON.parse(cli(['check', builtIn, '--json']).stdout);
  const report = JSON.parse(python.stdout);
  assert.equal(report.ok, true);
  assert.deepEqual(report.layers.map((l: { type: string }) => l.type), ['affine', 'python Relu', 'affine', 'python Sigmoid', 'affine'], 'Python layers shown as their classes');
  assert.match(cli(['run', spec]).stdout, /\nRelu1 +python Relu +\[4, 5\]/);
  // np.exp and Math.exp may differ in the last bit, so the figures agree to rounding.
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  close(report.loss, reference.loss, 'loss');
  type Layer = { name: string; params: Record<string, { gradStats: { l2: number; mean: number } }> };
  (reference.layers as Layer[]).forEach((ref, i) => {
    const layer = (report.layers as Layer[])[i];
    assert.equal(layer.name, ref.name);
    for (const [p, v] of Object.entries(ref.params)) {
      close(layer.params[p].gradStats.l2, v.gradStats.l2, `${ref.name}.d${p} l2`);
      close(layer.params[p].gradStats.mean, v.gradStats.mean, `${ref.name}.d${p} mean`);
    }
  });
});

test("the seed's Affine(W, b) with W: { std, shape } and b: { zeros }: W and b are parameters, checked element by element", (t) => {
  if (!needsPython(t)) return;
  const r = cli(['check', join(root, 'examples', 'python', 'seed-affine.backprop.yaml'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const affine = JSON.parse(r.stdout).layers[0];
  assert.equal(affine.name, 'Affine1');
  assert.deepEqual(Object.keys(affine.params).sort(), ['W', 'b']);
  assert.ok(affine.params.W.check.ok && affine.params.b.check.ok, JSON.stringify(affine.params.W.check));
});

test("the seed's SoftmaxWithLoss: its 'foward' named on the loss line, then its missing import at the file's line", (t) => {
  if (!needsPython(t)) return;
  const seed = cli(['run', join(root, 'examples', 'python', 'seed-softmax.backprop.yaml')]);
  assert.equal(seed.code, 3);
  assert.match(seed.stderr, /seed-softmax\.backprop\.yaml:12:7: error: SoftmaxWithLoss has no forward\(x, t\) — did you mean 'foward'\?/);

  write('fixed/seed_layers.py', readFileSync(join(dir, 'seed_layers.py'), 'utf8').replace('def foward', 'def forward'));
  const spec = write('fixed/softmax.backprop.yaml', readFileSync(join(root, 'examples', 'python', 'seed-softmax.backprop.yaml'), 'utf8'));
  const fixed = cli(['run', spec]);
  assert.equal(fixed.code, 3);
  const line = lineOf('fixed/seed_layers.py', 'self.y = softmax(x)');
  assert.match(fixed.stderr, new RegExp(`:12:7: error: SoftmaxWithLoss\\.forward threw: NameError: name 'softmax' is not defined, at seed_layers\\.py:${line}\\n`));
});

test('bad Python code: each failure its message on the layer line, with the file and line, and exit 3', (t) => {
  if (!needsPython(t)) return;
  write('bad/syntax.py', 'import numpy as np\nclass Relu:\n    def forward(self, x)\n        return x\n');
  write('bad/common/helpers.py', 'def explode(x):\n    raise ValueError("bad value")\n');
  write(
    'bad/layers.py',
    [
      'import sys',
      'import numpy as np',
      'from common.helpers import explode',
      'class Throws:',
      '    def forward(self, x):',
      '        return explode(x)',
      '    def backward(self, dout):',
      '        return dout',
      'class Wide:',
      '    def forward(self, x):',
      '        return x',
      '    def backward(self, dout):',
      '        return np.zeros((dout.shape[0], 5))',
      'class Listy:',
      '    def forward(self, x):',
      '        return x.tolist()',
      '    def backward(self, dout):',
      '        return dout',
      'class Loops:',
      '    def forward(self, x):',
      '        while True:',
      '            pass',
      '    def backward(self, dout):',
      '        return dout',
      'class Complex:',
      '    def forward(self, x):',
      '        return x.astype(complex)',
      '    def backward(self, dout):',
      '        return dout',
      'class Typo:',
      '    def foward(self, x):',
      '        return x',
      '    def backward(self, dout):',
      '        return dout',
      'class Exits:',
      '    def forward(self, x):',
      '        sys.exit(4)',
      '    def backward(self, dout):',
      '        return dout',
      '',
    ].join('\n'),
  );
  const run = (module: string, cls: string, extra: string[] = [], env: Record<string, string> = {}) => cli(['check', write(`bad/${cls}.backprop.yaml`, layerSpec(module, cls)), ...extra], env);
  const at = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1) ?? '';

  const syntax = run('./syntax.py', 'Relu');
  assert.equal(syntax.code, 3);
  assert.match(at(syntax), /Relu\.backprop\.yaml:7:\d+: error: .*importing syntax\.py failed: SyntaxError: .*, at syntax\.py:3$/);

  const throws = run('./layers.py', 'Throws');
  assert.equal(throws.code, 3);
  assert.match(at(throws), /:7:\d+: error: .*Throws1\.forward threw: ValueError: bad value, at common\/helpers\.py:2$/);

  const wide = run('./layers.py', 'Wide');
  assert.equal(wide.code, 3);
  assert.match(at(wide), /:7:\d+: error: Wide1\.backward returned dx of shape \[2, 5\]; its input x had shape \[2, 2\]$/);

  const listy = run('./layers.py', 'Listy');
  assert.equal(listy.code, 3);
  assert.match(at(listy), /Listy1\.forward threw: forward returned a list, not a numpy array$/);

  const complex = run('./layers.py', 'Complex');
  assert.equal(complex.code, 3);
  assert.match(at(complex), /Complex1\.forward threw: forward returned an array of dtype complex128, not float64$/);

  const typo = run('./layers.py', 'Typo');
  assert.equal(typo.code, 3);
  assert.match(at(typo), /:7:\d+: error: Typo1: the class has no forward\(x\) — did you mean 'foward'\?$/);

  const missing = run('./layers.py', 'Trows');
  assert.equal(missing.code, 3);
  assert.match(at(missing), /:7:\d+: error: \.\/layers\.py has no class Trows — did you mean 'Throws'\?$/);

  const loops = run('./layers.py', 'Loops', ['--custom-timeout=1']);
  assert.equal(loops.code, 3);
  assert.match(at(loops), /:7:\d+: error: Loops1\.forward did not return within 1 s; stopped/);

  write('bad/hangs.py', 'while True:\n    pass\n');
  const importHangs = run('./hangs.py', 'Relu', ['--custom-timeout=1']);
  assert.equal(importHangs.code, 3);
  assert.match(at(importHangs), /:7:\d+: error: constructing Relu1 did not return within 1 s; stopped/);

  const exits = run('./layers.py', 'Exits');
  assert.equal(exits.code, 3);
  assert.match(at(exits), /Exits1\.forward threw: the Python process stopped: it ended$/);

  // A module that is not there is the spec's error, not the code's.
  const absent = run('./absent.py', 'Relu');
  assert.equal(absent.code, 2);
  assert.match(at(absent), /:7:\d+: error: there is no file .*absent\.py$/);

  const noPython = run('./layers.py', 'Wide', [], { BACKPROP_PYTHON: join(dir, 'no-such-python') });
  assert.equal(noPython.code, 3);
  assert.match(at(noPython), /cannot start Python: '.*no-such-python' was not found; install Python 3 with numpy, or set backprop\.python\.path \(or BACKPROP_PYTHON for the CLI\)/);
});

test('a Python loss writing into its input x, in forward or in backward: a warning on the loss line, once, and the check still right', (t) => {
  if (!needsPython(t)) return;
  write(
    'loss/losses.py',
    [
      'import numpy as np',
      'def softmax(x):',
      '    e = np.exp(x - x.max(axis=1, keepdims=True))',
      '    return e / e.sum(axis=1, keepdims=True)',
      '# The gradient check gives one-hot rows, as the book\'s SoftmaxWithLoss takes them.',
      'def labels(t):',
      '    return t.argmax(axis=1) if t.ndim == 2 else t',
      'class ShiftsX:',
      '    def forward(self, x, t):',
      '        t = labels(t)',
      '        x -= x.max(axis=1, keepdims=True)  # in place: the caller\'s x changes',
      '        self.t = t',
      '        self.y = softmax(x)',
      '        return -np.sum(np.log(self.y[np.arange(len(t)), t] + 1e-7)) / len(t)',
      '    def backward(self, dout=1):',
      '        dx = self.y.copy()',
      '        dx[np.arange(len(self.t)), self.t] -= 1',
      '        return dx * dout / len(self.t)',
      'class ReusesX:',
      '    def forward(self, x, t):',
      '        self.x, self.t = x, labels(t)',
      '        self.y = softmax(x)',
      '        return -np.sum(np.log(self.y[np.arange(len(t)), self.t] + 1e-7)) / len(t)',
      '    def backward(self, dout=1):',
      '        dx = self.x',
      '        dx[...] = self.y',
      '        dx[np.arange(len(self.t)), self.t] -= 1',
      '        return dx * dout / len(self.t)',
      'class ZeroesT:',
      '    def forward(self, x, t):',
      '        self.t = labels(t).copy()',
      '        self.y = softmax(x)',
      '        t[...] = 0  # the next call with this t would see other targets',
      '        return -np.sum(np.log(self.y[np.arange(len(self.t)), self.t] + 1e-7)) / len(self.t)',
      '    def backward(self, dout=1):',
      '        dx = self.y.copy()',
      '        dx[np.arange(len(self.t)), self.t] -= 1',
      '        return dx * dout / len(self.t)',
      '',
    ].join('\n'),
  );
  const spec = (cls: string) => write(`loss/${cls}.backprop.yaml`, `seed: 2\ninput: { random: { shape: [3, 4] } }\ntarget: { labels: [0, 2, 1] }\nlayers:\n  - { type: affine, units: 3 }\nloss: { type: python, module: ./losses.py, class: ${cls} }\n`);
  const builtIn = JSON.parse(cli(['check', write('loss/built-in.backprop.yaml', readFileSync(spec('ShiftsX'), 'utf8').replace(/loss: .*/, 'loss: softmax-with-loss')), '--json']).stdout);
  // Labels [0, 2, 1]: zeroing them changes 2.
  for (const [cls, method, what, count] of [['ShiftsX', 'forward', 'x', 9], ['ReusesX', 'backward', 'x', 9], ['ZeroesT', 'forward', 't', 2]] as const) {
    const r = cli(['check', spec(cls), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    assert.equal(warnings.length, 1, r.stderr);
    // 3 rows of 3 scores: forward shifts all 9 (no row max is 0 by chance); backward overwrites all 9 with y − t.
    assert.match(warnings[0], new RegExp(`${cls}\\.backprop\\.yaml:6:7: warning: ${cls}\\.${method} changed its input ${what} at ${count} elements; work on a copy$`));
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, true, 'each call had its own copy');
    // The book's cross_entropy_error, as the built-in loss: log(y + 1e-7). np.exp and Math.exp may differ in the last bit.
    assert.ok(Math.abs(report.loss - builtIn.loss) <= 1e-12 * builtIn.loss, `${report.loss} vs ${builtIn.loss}`);
    assert.ok(report.layers[0].params.W.check.ok && report.layers[0].dx.check.ok);
  }
});

test("the book's TwoLayerNet class as the network: its layers and lastLayer run as the spec's, net.params checked, trained", (t) => {
  if (!needsPython(t)) return;
  const r = cli(['check', join(root, 'examples', 'python', 'two-layer-net.backprop.yaml'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'its own gradient(x, t) agrees with backprop through its layers');
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.layers.map((l: { name: string }) => l.name), ['Affine1', 'Relu1', 'Affine2']);
  assert.deepEqual(report.layers.map((l: { type: string }) => l.type), ['python Affine', 'python Relu', 'python Affine']);
  assert.equal(report.ok, true);
  const checked = report.layers.flatMap((l: { name: string; params: Record<string, { check: { ok: boolean } }> }) => Object.entries(l.params).map(([p, v]) => [`${l.name}.${p}`, v.check.ok]));
  assert.deepEqual(checked, [['Affine1.W', true], ['Affine1.b', true], ['Affine2.W', true], ['Affine2.b', true]]);

  const train = write('net/train.backprop.yaml', 'seed: 1\ninput: { dataset: mnist, split: train, count: 200 }\ntarget: { dataset: mnist }\nnetwork: { module: ./two_layer_net.py, class: TwoLayerNet, args: { input_size: 784, hidden_size: 20, output_size: 10 } }\ntrain: { iterations: 40, batch: 50, optimizer: { type: sgd, lr: 0.1 }, eval: { every: 20 } }\n');
  for (const f of ['two_layer_net.py', 'common/__init__.py', 'common/layers.py', 'common/functions.py', 'common/gradient.py']) {
    write(`net/${f}`, readFileSync(join(root, 'examples', 'python', f), 'utf8'));
  }
  const trained = cli(['train', train]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /done in .*: loss [\d.]+, train acc/);
});

test("a TwoLayerNet whose own gradient(x, t) is wrong: a warning on the network line, naming the parameter", (t) => {
  if (!needsPython(t)) return;
  for (const f of ['common/__init__.py', 'common/layers.py', 'common/functions.py', 'common/gradient.py']) write(`wrong/${f}`, readFileSync(join(root, 'examples', 'python', f), 'utf8'));
  const net = readFileSync(join(root, 'examples', 'python', 'two_layer_net.py'), 'utf8');
  // A learner's slip: dout scaled twice before it reaches the layers.
  write('wrong/two_layer_net.py', net.replace('dout = self.lastLayer.backward(dout)', 'dout = self.lastLayer.backward(dout) * 2'));
  const spec = write('wrong/net.backprop.yaml', 'seed: 5\ninput: { random: { shape: [2, 6] } }\ntarget: { labels: [1, 0] }\nnetwork: { module: ./two_layer_net.py, class: TwoLayerNet, args: { input_size: 6, hidden_size: 4, output_size: 3 } }\n');
  const r = cli(['check', spec]);
  assert.equal(r.code, 0, 'the layers themselves are right');
  for (const p of ['W1', 'b1', 'W2', 'b2']) {
    assert.match(r.stderr, new RegExp(`net\\.backprop\\.yaml:4:10: warning: TwoLayerNet\\.gradient\\(x, t\\) disagrees with backprop through its layers at \\d+ of \\d+ elements of ${p}; the worst`));
  }
});
