// Resolving data through injected IO, seeded streams, building the engine network, and loadSpec.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Affine } from '../../src/engine/layers/affine';
import { Rng } from '../../src/engine/rng';
import { buildNetwork } from '../../src/spec/build';
import { loadSpec } from '../../src/spec/index';
import { decodeMnist } from '../../src/spec/mnist';
import type { NetworkSpec } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';
import { memoryFile, resolveData, type ResolvedData, type SpecIO } from '../../src/spec/resolve';
import { streamSeed } from '../../src/spec/streams';
import { expectProblem, npyF8, rangeOf } from './spec-helpers';
import { render } from '../../src/catalogues';

const mnistBytes = readFileSync(join(__dirname, '..', '..', '..', 'dist', 'mnist-digits.bin'));

/** IO over an in-memory folder; a missing file throws as fs does. */
function memoryIO(files: Record<string, Uint8Array> = {}): SpecIO {
  return {
    openFile: (path) => {
      if (!(path in files)) throw new Error(`ENOENT: no such file '${path}'`);
      return memoryFile(files[path]);
    },
    mnist: () => mnistBytes,
  };
}

function resolve(text: string, files: Record<string, Uint8Array> = {}) {
  const { spec, problems } = parseSpec(text, 'net.yaml');
  assert.deepEqual(problems, []);
  return { spec: spec as NetworkSpec, resolved: resolveData(spec as NetworkSpec, memoryIO(files)) };
}

function ok(r: ReturnType<typeof resolveData>): ResolvedData {
  assert.ok('x' in r, r.problems.map((p) => p.message).join('; '));
  return r;
}

test('file problems land on the file: value', () => {
  const missing = 'input: { file: x.npy }\nlayers: [relu]\n';
  expectProblem(resolve(missing).resolved.problems, "cannot read x.npy: ENOENT: no such file 'x.npy'", rangeOf(missing, 'x.npy'));
  const bad = 'input: { file: data/x.npy }\nlayers: [relu]\n';
  expectProblem(resolve(bad, { 'data/x.npy': new Uint8Array([1, 2, 3]) }).resolved.problems, 'data/x.npy: not a .npy file (bad magic bytes)', rangeOf(bad, 'data/x.npy'));
  const weights = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, weights: { W: { file: w.npy } } }\n';
  expectProblem(resolve(weights, { 'w.npy': npyF8([3, 2], [1, 2, 3, 4, 5, 6]) }).resolved.problems, 'Affine1 expects input width 3, gets 2', rangeOf(weights, 'w.npy'));
  const rank1 = 'input: { file: x.npy }\nlayers: [relu]\n';
  expectProblem(resolve(rank1, { 'x.npy': npyF8([3], [1, 2, 3]) }).resolved.problems, 'input must have a batch axis, shape [N, ...]; got shape [3]', rangeOf(rank1, 'x.npy'));
});

test('a file over the element limit is refused from its header alone', () => {
  const text = 'limits: { maxElements: 10 }\ninput: { file: x.npy }\nlayers: [relu]\n';
  const headerOnly = npyF8([4, 4], []);
  expectProblem(resolve(text, { 'x.npy': headerOnly }).resolved.problems, 'x.npy has shape [4, 4]: 16 elements, over the limit of 10 (limits.maxElements)', rangeOf(text, 'x.npy'));
});

test('files give input, weights and integer labels', () => {
  const text = `input: { file: x.npy }
target: { file: t.npy }
layers:
  - { type: affine, weights: { W: { file: w.npy }, b: [0.5, -0.5] } }
loss: softmax-with-loss
`;
  const files = { 'x.npy': npyF8([2, 3], [1, 2, 3, 4, 5, 6]), 'w.npy': npyF8([3, 2], [1, 0, 0, 1, 1, 1]), 't.npy': npyF8([2], [1, 0]) };
  const { spec, resolved } = resolve(text, files);
  const r = ok(resolved);
  assert.deepEqual(r.x, { shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6]) });
  assert.deepEqual(r.t, { shape: [2], data: new Float64Array([1, 0]) });
  const net = buildNetwork(spec, r);
  const affine = net.layers[0] as Affine;
  assert.deepEqual(affine.params[0].value, { shape: [3, 2], data: new Float64Array([1, 0, 0, 1, 1, 1]) });
  assert.deepEqual(affine.params[1].value, { shape: [2], data: new Float64Array([0.5, -0.5]) });
  // Scores: [1+3+0.5, 2+3-0.5] = [4.5, 4.5] and [4+6+0.5, 5+6-0.5] = [10.5, 10.5]: both rows tie, loss = ln 2.
  assert.ok(Math.abs(net.objective(r.x, r.t, true) - Math.LN2) < 1e-6);
});

test('init draws from its own stream: the input shape does not change the weights, the seed does', () => {
  const weights = (input: string, seed: number) => {
    const { spec, resolved } = resolve(`seed: ${seed}\ninput: { random: { shape: ${input} } }\nlayers: [{ type: affine, units: 4 }]\n`);
    return (buildNetwork(spec, ok(resolved)).layers[0] as Affine).params[0].value.data;
  };
  assert.deepEqual(weights('[4, 3]', 1), weights('[9, 3]', 1));
  assert.notDeepEqual(weights('[4, 3]', 1), weights('[4, 3]', 2));
  const x = (seed: number, dist: string) => {
    const { resolved } = resolve(`seed: ${seed}\ninput: { random: { shape: [2, 3], dist: ${dist} } }\nlayers: [relu]\n`);
    return ok(resolved).x.data;
  };
  assert.notDeepEqual(x(1, 'normal'), x(2, 'normal'));
  assert.ok(x(1, 'uniform').every((v) => v >= 0 && v < 1));
});

test('init schemes: each layer draws from stream (seed, init, position), bias constant added', () => {
  const text = `seed: 5
input: { random: { shape: [2, 3] } }
layers:
  - { type: affine, units: 2, init: he }
  - relu
  - { type: affine, units: 2, init: { scheme: zeros, bias: 0.25 } }
  - { type: affine, units: 3, init: { std: 0.5, bias: -1 } }
`;
  const { spec, resolved } = resolve(text);
  const net = buildNetwork(spec, ok(resolved));
  const oracle = (index: number, n: number, scale: number) => {
    const rng = new Rng(streamSeed(5, 'init', index));
    return Float64Array.from({ length: n }, () => scale * rng.normal());
  };
  const [he, , zeros, normal] = net.layers as Affine[];
  assert.deepEqual(he.params[0].value.data, oracle(0, 6, Math.sqrt(2 / 3)));
  assert.deepEqual(he.params[1].value.data, new Float64Array(2));
  assert.deepEqual(zeros.params[0].value.data, new Float64Array(4));
  assert.deepEqual(zeros.params[1].value.data, new Float64Array([0.25, 0.25]));
  assert.deepEqual(normal.params[0].value.data, oracle(3, 6, 0.5));
  assert.deepEqual(normal.params[1].value.data, new Float64Array([-1, -1, -1]));
});

test('streams: distinct for each seed, stream and index', () => {
  const seeds = new Set<number>();
  for (const seed of [0, 1, 2 ** 32, 2 ** 53 - 1]) {
    for (const name of ['input', 'target', 'init', 'dropout'] as const) {
      for (const index of [0, 1, 2]) seeds.add(streamSeed(seed, name, index));
    }
  }
  assert.equal(seeds.size, 4 * 4 * 3);
});

test('random targets: labels in [0, classes) for softmax-with-loss, output-shaped values for mse', () => {
  const softmax = ok(resolve('input: { random: { shape: [50, 2] } }\ntarget: { random: }\nlayers: [{ type: affine, units: 3 }]\nloss: softmax-with-loss\n').resolved);
  assert.deepEqual(softmax.t?.shape, [50]);
  assert.ok(softmax.t!.data.every((v) => Number.isInteger(v) && v >= 0 && v < 3));
  assert.equal(new Set(softmax.t!.data).size, 3);
  const oneHot = ok(resolve('input: { random: { shape: [4, 2] } }\ntarget: { random: { shape: [4, 3] } }\nlayers: [{ type: affine, units: 3 }]\nloss: softmax-with-loss\n').resolved);
  for (let i = 0; i < 4; i++) assert.deepEqual([...oneHot.t!.data.subarray(i * 3, i * 3 + 3)].sort(), [0, 0, 1]);
  const mse = ok(resolve('input: { random: { shape: [4, 2] } }\ntarget: { random: { dist: uniform } }\nlayers: [{ type: affine, units: 3 }]\nloss: mse\n').resolved);
  assert.deepEqual(mse.t?.shape, [4, 3]);
  assert.ok(mse.t!.data.every((v) => v >= 0 && v < 1));
});

test('MNIST input and its labels as the target', () => {
  const { spec, resolved } = resolve('input: { dataset: mnist, split: test, count: 4, offset: 10 }\ntarget: { dataset: mnist }\nlayers: [{ type: affine, units: 10 }]\nloss: softmax-with-loss\n');
  const r = ok(resolved);
  const digits = decodeMnist(mnistBytes);
  assert.ok(!('error' in digits));
  assert.deepEqual(r.x.shape, [4, 784]);
  assert.deepEqual(Array.from(r.t!.data), Array.from(digits.test.labels.subarray(10, 14)));
  const loss = buildNetwork(spec, r).objective(r.x, r.t, true);
  // Weights of scale 0.01 on pixels in [0, 1] give scores of about ±0.1: the loss is near ln 10.
  assert.ok(Math.abs(loss - Math.log(10)) < 0.25, `near ln 10, got ${loss}`);
  const broken = parseSpec('input: { dataset: mnist, count: 1 }\nlayers: [relu]\n', 'n.yaml').spec as NetworkSpec;
  const r2 = resolveData(broken, { openFile: () => memoryFile(new Uint8Array()), mnist: () => { throw new Error('gone'); } });
  expectProblem('problems' in r2 ? r2.problems : [], 'cannot read the MNIST digits: gone', rangeOf('input: { dataset: mnist, count: 1 }', '{ dataset: mnist, count: 1 }'));
});

test('loadSpec: parse errors, graphs, static shapes without IO, a runnable network with IO', () => {
  const bad = loadSpec('layers: [relux]\ninput: { data: [[1]] }\n', 'a.yaml', memoryIO());
  assert.equal(bad.spec, null);
  assert.equal(bad.problems[0].message, "unknown layer type 'relux' — did you mean 'relu'?");
  const graph = loadSpec('graph:\n  inputs: { x: 1 }\n  output: x\n', 'g.yaml', memoryIO());
  assert.equal(graph.spec?.form, 'graph');
  assert.equal(graph.network, undefined);
  const text = 'input: { data: [[1, 2], [3, 4]] }\ntarget: { labels: [0, 1] }\nlayers: [{ type: affine, units: 3 }, relu, { type: affine, units: 2 }]\nloss: softmax-with-loss\n';
  const staticOnly = loadSpec(text, 'a.yaml');
  assert.deepEqual(staticOnly.shapes?.map((s) => s.outShape), [[2, 3], [2, 3], [2, 2]]);
  assert.equal(staticOnly.network, undefined);
  const full = loadSpec(text, 'a.yaml', memoryIO());
  assert.deepEqual(full.problems, []);
  assert.deepEqual(full.network?.layers.map((l) => l.name), ['Affine1', 'Relu1', 'Affine2']);
  assert.ok(Number.isFinite(full.network!.objective(full.x!, full.t!, true)));
  const wrongRows = loadSpec(text.replace('[0, 1]', '[0, 1, 1]'), 'a.yaml');
  assert.equal(wrongRows.problems[0].message, 'labels has 3 rows, input has 2');
});

test("a damaged .npy, .npz member or MNIST file is explained in Korean inside the Korean frame", () => {
  const fortran = npyF8([2, 2], [1, 2, 3, 4]);
  const at = Buffer.from(fortran).indexOf('False');
  fortran.set(Buffer.from('True '), at);
  const text = 'input: { file: x.npy }\nlayers: [relu]\n';
  const npyProblem = resolve(text, { 'x.npy': fortran }).resolved.problems[0];
  assert.equal(npyProblem.message, 'x.npy: Fortran-order .npy arrays are not supported; save with np.ascontiguousarray(a) first');
  assert.equal(render(npyProblem, 'ko'), 'x.npy 파일을 읽을 수 없습니다: Fortran 순서의 .npy 배열은 지원하지 않습니다. 먼저 np.ascontiguousarray(a)로 바꿔 저장하세요');

  const wrongType = npyF8([2], [1, 2]);
  wrongType.set(Buffer.from('<c8'), Buffer.from(wrongType).indexOf('<f8'));
  const dtypeProblem = resolve(text, { 'x.npy': wrongType }).resolved.problems[0];
  assert.equal(dtypeProblem.message, "x.npy: unsupported .npy dtype '<c8' (complex); use float64, float32 or an integer type");
  assert.match(render(dtypeProblem, 'ko'), /'<c8'\(복소수\)은\(는\) 지원하지 않습니다/);

  const mnist = parseSpec('input: { dataset: mnist, count: 1 }\nlayers: [relu]\n', 'n.yaml').spec as NetworkSpec;
  const damaged = resolveData(mnist, { openFile: () => memoryFile(new Uint8Array()), mnist: () => new Uint8Array(5) });
  const mnistProblem = 'problems' in damaged ? damaged.problems[0] : undefined;
  assert.ok(mnistProblem);
  assert.equal(mnistProblem.message, 'mnist-digits.bin is damaged: bad magic bytes; rebuild it with `node esbuild.mjs`');
  assert.equal(render(mnistProblem, 'ko'), 'MNIST 데이터 오류: mnist-digits.bin이 손상되었습니다: 매직 바이트가 다릅니다. `node esbuild.mjs`로 다시 만드세요');
});
