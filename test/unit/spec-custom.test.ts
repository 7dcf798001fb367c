// Custom layers in specs: parsing and default names, errors on their ranges, shapes unknown until the
// layer runs, loading through injected IO, and Restricted Mode refusing them unread.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CustomLayer } from '../../src/engine/layers/custom';
import { CUSTOM_REFUSED, loadSpec, memoryFile, type SpecIO } from '../../src/spec/index';
import type { NetworkSpec } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';
import { customBaseName } from '../../src/spec/parse-network';
import { expectProblem, npyF8, rangeOf } from './spec-helpers';

const mnistBytes = readFileSync(join(__dirname, '..', '..', '..', 'dist', 'mnist-digits.bin'));

interface T {
  shape: number[];
  data: Float64Array;
}

/** Doubles its input: out = 2x, dx = 2·dout. */
const double = {
  forward: (x: T) => ({ shape: x.shape, data: x.data.map((v) => 2 * v) }),
  backward: (d: T) => ({ shape: d.shape, data: d.data.map((v) => 2 * v) }),
};
/** Sums each row: [N, D] → [N, 1]. */
const rowSum = {
  forward(this: { d: number }, x: T) {
    const [n, d] = x.shape;
    this.d = d;
    return { shape: [n, 1], data: Float64Array.from({ length: n }, (_, r) => x.data.slice(r * d, (r + 1) * d).reduce((a, b) => a + b, 0)) };
  },
  backward(this: { d: number }, dout: T) {
    return { shape: [dout.shape[0], this.d], data: Float64Array.from({ length: dout.shape[0] * this.d }, (_, i) => dout.data[Math.floor(i / this.d)]) };
  },
};

/** IO with in-memory files and modules; every request is recorded. */
function recordingIO(modules: Record<string, unknown>, files: Record<string, Uint8Array> = {}) {
  const asked: string[] = [];
  const calls: string[] = [];
  const io: SpecIO = {
    openFile: (path) => {
      asked.push(`file ${path}`);
      if (!(path in files)) throw new Error(`ENOENT: no such file '${path}'`);
      return memoryFile(files[path]);
    },
    mnist: () => mnistBytes,
    customModule: (path) => {
      asked.push(`module ${path}`);
      if (!(path in modules)) throw new Error(`there is no file /ws/${path.replace(/^\.\//, '')}`);
      return modules[path];
    },
    onCustomCall: (layer, method) => calls.push(`${layer}:${method}`),
  };
  return { io, asked, calls };
}

function network(text: string): NetworkSpec {
  const { spec, problems } = parseSpec(text, 'net.backprop.yaml');
  assert.deepEqual(problems, []);
  return spec as NetworkSpec;
}

test('a custom layer parses with its module and params; default names come from the module, counted per name (named layers count too, as built-in ones do)', () => {
  const text = `input: { data: [[1, 2]] }
layers:
  - { type: custom, module: ./layers/swish.js, params: { beta: [1.0], W: { file: w.npy } } }
  - { type: custom, module: layers/swish.js }
  - { type: custom, module: ./layers/seed-softmax.mjs, name: Soft }
  - { type: custom, module: ../shared/seed_softmax.cjs }
  - relu
  - { type: custom, module: ./relu.js }
`;
  const spec = network(text);
  assert.deepEqual(spec.layers.map((l) => l.name), ['Swish1', 'Swish2', 'Soft', 'SeedSoftmax2', 'Relu1', 'Relu2']);
  const [swish] = spec.layers;
  assert.deepEqual([swish.type, swish.module, swish.moduleRange], ['custom', './layers/swish.js', rangeOf(text, './layers/swish.js')]);
  assert.equal(swish.params!.beta.kind, 'data');
  assert.deepEqual(swish.params!.W, { kind: 'file', path: 'w.npy', range: rangeOf(text, 'w.npy') });
  assert.deepEqual(['swish.js', 'a/b/my_layer.v2.mjs', 'x.cjs', '.js', 'C:\\ws\\Seed-Softmax.JS'].map(customBaseName), ['Swish', 'MyLayerV2', 'X', 'Custom', 'SeedSoftmax']);
});

test('custom layer errors land on their ranges', () => {
  const cases: [string, string, string][] = [
    ['  - custom\n', 'a custom layer needs the module with its code: write it as { type: custom, module: ./layers/my-layer.js }', 'custom'],
    ['  - { type: custom, name: Mine }\n', 'a custom layer needs the module with its code, e.g. { type: custom, module: ./layers/swish.js }', 'custom'],
    ['  - { type: custom, module: 42 }\n', 'module must be a string, got 42', '42'],
    ["  - { type: custom, module: '' }\n", 'module must be a path, e.g. ./layers/swish.js', "''"],
    ['  - { type: custom, module: ./layers/swish.ts }\n', 'module must be JavaScript (.js, .cjs or .mjs); compile ./layers/swish.ts to JavaScript first', './layers/swish.ts'],
    ['  - { type: custom, module: ./layers/swish.py }\n', "module must be a .js, .cjs or .mjs file, got './layers/swish.py'", './layers/swish.py'],
    ['  - { type: custom, module: ./a.js, params: { dx: [1] } }\n', "a parameter cannot be named dx, which names the layer's input gradient", 'dx'],
    ['  - { type: custom, module: ./a.js, params: [1, 2] }\n', 'params must be a mapping, got a list', '[1, 2]'],
    ['  - { type: custom, module: ./a.js, params: { W: hello } }\n', "W must be a list of numbers or { file: w.npy }, got 'hello'", 'hello'],
  ];
  for (const [layer, message, at] of cases) {
    const text = `input: { data: [[1, 2]] }\nlayers:\n${layer}`;
    const { spec, problems } = parseSpec(text, 'net.yaml');
    assert.equal(spec, null, layer);
    expectProblem(problems, message, rangeOf(text, at, text.indexOf(at) < text.indexOf('layers') ? 1 : 0));
  }
  // Keys of other layer types are warned about, and a custom layer's module on another type too.
  const text = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: relu, module: ./a.js }\n  - { type: custom, module: ./a.js, units: 3 }\n';
  const { problems } = parseSpec(text, 'net.yaml');
  expectProblem(problems, "'module' does not apply to relu layers", rangeOf(text, 'module'), 'warning');
  expectProblem(problems, "'units' does not apply to custom layers", rangeOf(text, 'units'), 'warning');
});

test('without IO, shapes stop before a custom layer: no false errors after it, and no shapes', () => {
  // An affine after the custom layer with a W that could not fit a shape-preserving layer: unknown, so no error.
  const text = `input: { data: [[1, 2, 3]] }
target: { labels: [4] }
layers:
  - { type: affine, units: 4 }
  - { type: custom, module: ./layers/pool.js }
  - { type: affine, weights: { W: [[1, 2, 3, 4, 5]] } }
loss: softmax-with-loss
`;
  const loaded = loadSpec(text, 'net.yaml');
  assert.deepEqual(loaded.problems, []);
  assert.equal(loaded.shapes, undefined);
  assert.equal(loaded.network, undefined);
});

test('with IO, a custom layer runs once to give its output shape, and the layers after it are checked against it', () => {
  const text = `input: { data: [[1, 2, 3], [4, 5, 6]] }
target: { labels: [0, 1] }
layers:
  - { type: affine, units: 4 }
  - { type: custom, module: ./layers/sum.js }
  - { type: affine, units: 2 }
  - { type: custom, module: ./layers/double.js }
loss: softmax-with-loss
`;
  const { io, asked, calls } = recordingIO({ './layers/sum.js': rowSum, './layers/double.js': double });
  const loaded = loadSpec(text, 'net.yaml', io);
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(asked, ['module ./layers/sum.js', 'module ./layers/double.js']);
  assert.deepEqual(calls, ['1:construct', '3:construct', '1:forward', '3:forward'], 'each custom layer ran forward once');
  assert.deepEqual(loaded.shapes!.map((s) => [s.name, s.type, s.inShape, s.outShape, s.paramCount]), [
    ['Affine1', 'affine', [2, 3], [2, 4], 16],
    ['Sum1', 'custom', [2, 4], [2, 1], 0],
    ['Affine2', 'affine', [2, 1], [2, 2], 4],
    ['Double1', 'custom', [2, 2], [2, 2], 0],
  ]);
  const net = loaded.network!;
  assert.ok(net.layers[1] instanceof CustomLayer && net.layers[3] instanceof CustomLayer);
  assert.ok(Number.isFinite(net.objective(loaded.x!, loaded.t!, true)));

  // Shapes after the layer, from its run: Affine2's W has the wrong width for Sum1's [2, 1].
  const wrong = text.replace('{ type: affine, units: 2 }', '{ type: affine, weights: { W: [[1, 2], [3, 4]] } }');
  const again = loadSpec(wrong, 'net.yaml', recordingIO({ './layers/sum.js': rowSum, './layers/double.js': double }).io);
  expectProblem(again.problems, 'Affine2 expects input width 2, gets 1', rangeOf(wrong, '[[1, 2], [3, 4]]'));
  // A loss that needs classes after a layer making a scalar per row... a rank-1 output.
  const flat = { forward: (x: T) => ({ shape: [x.shape[0]], data: x.data.slice(0, x.shape[0]) }), backward: (d: T) => d };
  const lossText = 'input: { data: [[1, 2], [3, 4]] }\ntarget: { labels: [0, 1] }\nlayers:\n  - { type: custom, module: ./flat.js }\n  - { type: affine, units: 2 }\nloss: softmax-with-loss\n';
  const rank1 = loadSpec(lossText, 'net.yaml', recordingIO({ './flat.js': flat }).io);
  expectProblem(rank1.problems, 'Affine1 needs a batch [N, ...], but Flat1 outputs [2]', rangeOf(lossText, 'affine'));
});

test('custom params from data and .npy files reach this.params, with their shapes', () => {
  const seen: string[] = [];
  const spy = {
    forward(this: { params: Record<string, T> }, x: T) {
      seen.push(Object.entries(this.params).map(([k, v]) => `${k}[${v.shape}]=${[...v.data]}`).join(' '));
      return { shape: x.shape, data: x.data.slice() };
    },
    backward: (d: T) => ({ shape: d.shape, data: d.data.slice() }),
  };
  const text = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: custom, module: ./spy.js, params: { a: [0.5, 2], M: { file: m.npy } } }\n';
  const loaded = loadSpec(text, 'net.yaml', recordingIO({ './spy.js': spy }, { 'm.npy': npyF8([2, 1], [3, 4]) }).io);
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(seen, ['a[2]=0.5,2 M[2,1]=3,4']);
  assert.deepEqual(loaded.shapes![0].paramShapes, { a: [2], M: [2, 1] });
  assert.equal(loaded.shapes![0].paramCount, 4);
  assert.deepEqual(loaded.network!.layers[0].params.map((p) => p.name), ['a', 'M']);
  // Parameters a class makes in its constructor count too.
  class Own {
    params = { k: { shape: [3], data: new Float64Array(3) } };
    forward = spy.forward;
    backward = spy.backward;
  }
  const own = loadSpec(text, 'net.yaml', recordingIO({ './spy.js': Own }, { 'm.npy': npyF8([2, 1], [3, 4]) }).io);
  assert.deepEqual(own.shapes![0].paramShapes, { k: [3], a: [2], M: [2, 1] });
  assert.equal(own.shapes![0].paramCount, 7);
});

test('loading failures become problems on the module: no such module, not a layer, a throwing forward', () => {
  const text = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: custom, module: ./layers/x.js }\n';
  const at = rangeOf(text, './layers/x.js');
  const load = (modules: Record<string, unknown>) => loadSpec(text, 'net.yaml', recordingIO(modules).io).problems;
  expectProblem(load({}), 'cannot load ./layers/x.js: there is no file /ws/layers/x.js', at);
  expectProblem(load({ './layers/x.js': { foward: double.forward, backward: double.backward } }), "X1: the module has no forward(x) — did you mean 'foward'?", at);
  const throwing = { ...double, forward: () => { throw new TypeError("Cannot read properties of undefined (reading 'data')"); } };
  expectProblem(load({ './layers/x.js': throwing }), "X1.forward threw: Cannot read properties of undefined (reading 'data')", at);
  expectProblem(load({ './layers/x.js': { ...double, forward: () => [1, 2] } }), 'X1.forward returned an Array, not a tensor { shape, data }', at);
});

test('Restricted Mode: custom layers are refused on their type, and no module or file is asked for', () => {
  const text = 'input: { file: x.npy }\nlayers:\n  - { type: custom, module: ./layers/a.js }\n  - relu\n  - { type: custom, module: ./layers/b.js }\n';
  const typeRange = (nth: number) => rangeOf(text, 'custom', nth);
  // The host says so: nothing is read at all, not even the input file.
  const refused = recordingIO({ './layers/a.js': double, './layers/b.js': double }, { 'x.npy': npyF8([1, 2], [1, 2]) });
  const loaded = loadSpec(text, 'net.yaml', refused.io, { allowCustom: false });
  assert.deepEqual(loaded.problems.map((p) => [p.message, p.range]), [[CUSTOM_REFUSED, typeRange(0)], [CUSTOM_REFUSED, typeRange(1)]]);
  assert.equal(CUSTOM_REFUSED, 'custom layers run code from the workspace; they are off in Restricted Mode (trust the workspace to run them)');
  assert.deepEqual([refused.asked, refused.calls], [[], []]);
  assert.equal(loaded.network, undefined);
  // Editor diagnostics (no IO) show the same refusal.
  assert.deepEqual(loadSpec(text, 'net.yaml', undefined, { allowCustom: false }).problems.map((p) => p.message), [CUSTOM_REFUSED, CUSTOM_REFUSED]);
  // IO that cannot load modules refuses them the same way, before reading anything.
  const { customModule: _, ...plain } = refused.io;
  assert.deepEqual(loadSpec(text, 'net.yaml', plain).problems.map((p) => p.message), [CUSTOM_REFUSED, CUSTOM_REFUSED]);
  assert.deepEqual(refused.asked, []);
  // A spec without custom layers is untouched by Restricted Mode.
  const relu = loadSpec('input: { data: [[1, -2]] }\nlayers: [relu]\n', 'net.yaml', plain, { allowCustom: false });
  assert.deepEqual(relu.problems, []);
  assert.ok(relu.network);
});
