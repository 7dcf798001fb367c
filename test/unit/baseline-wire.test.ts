// A baseline as the run panel gets it: from a saving run job's .npz (the bytes Pin as Baseline keeps),
// the tensors the panel shows, stats always, values when a run's events would carry them whole; and an
// unchanged spec's second run matches it with every element's difference exactly 0.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { diffRuns, diffTensor, matchRuns } from '../../src/engine/run-diff';
import { tensor } from '../../src/engine/tensor';
import { render, sentenceIn } from '../../src/catalogues';
import { baselineWire } from '../../src/worker/baseline-wire';
import { readBaseline } from '../../src/extension/baseline-read';
import { EngineClient } from '../../src/extension/engine-client';
import { RUN_INFO, zipBytes } from '../../src/spec/npz';
import { savedRun } from './saved-run';
import type { Sentence } from '../../src/message';
import type { WireTensor } from '../../src/protocol';
import { batchTensor, PREVIEW_ABOVE, sentWhole, wireStats } from '../../src/wire-tensor';

const root = join(__dirname, '..', '..', '..');
const values = (t: WireTensor): Float64Array => new Float64Array(t.buffer);

test('a baseline sends the tensors the panel shows, with the stats the worker sends, and their values when they would go whole', async () => {
  const { arrays, events } = await savedRun('two-layer-net.backprop.yaml');
  const baseline = baselineWire(arrays, 'run of 12:00:00');
  assert.equal(baseline.label, 'run of 12:00:00');
  const names = baseline.tensors.map((t) => t.name);
  // Outputs, masks, dout, dx and the parameters' gradients, and the loss; not the weights or what a layer keeps (x).
  assert.deepEqual(
    names.filter((n) => n.startsWith('Affine1/')),
    ['Affine1/out', 'Affine1/dout', 'Affine1/dx', 'Affine1/dW', 'Affine1/db'],
  );
  assert.ok(names.includes('Relu1/mask') && names.some((n) => n.endsWith('/loss')) && names.some((n) => n.endsWith('/y')) && names.some((n) => n.endsWith('/t')));
  assert.ok(!names.some((n) => n.endsWith('/W') || n.endsWith('/b') || n.endsWith('/x')), names.join(' '));
  // The stats and values of Affine1's gradient are the run's own, as its backward event carried them.
  const backward = events.find((e) => e.kind === 'backward' && e.index === 0);
  assert.ok(backward?.kind === 'backward');
  const dW = baseline.tensors.find((t) => t.name === 'Affine1/dW')!.tensor;
  assert.deepEqual(dW.stats, backward.grads[0].grad.stats);
  assert.deepEqual(values(dW), values(backward.grads[0].grad));
  assert.deepEqual(dW.shape, backward.grads[0].grad.shape);
  // Every buffer is its own, free to transfer.
  assert.equal(new Set(baseline.tensors.map((t) => t.tensor.buffer)).size, baseline.tensors.length);
});

test('a big batch tensor goes with its stats and no values, as the run sends it as a preview', () => {
  const big = tensor([2000, 200], Float64Array.from({ length: 400_000 }, (_, i) => (i % 7) - 3));
  assert.ok(big.data.length > PREVIEW_ABOVE && !sentWhole(big.shape));
  const small = tensor([2, 3], Float64Array.of(1, 2, 3, 4, 5, 6));
  const { tensors } = baselineWire(new Map([['Affine1/dx', big], ['Affine1/out', small], ['Affine1/x', small]]), 'l');
  assert.deepEqual(tensors.map((t) => t.name), ['Affine1/dx', 'Affine1/out']);
  assert.equal(tensors[0].tensor.buffer.byteLength, 0);
  assert.deepEqual(tensors[0].tensor.stats, wireStats(big));
  assert.deepEqual([...values(tensors[1].tensor)], [1, 2, 3, 4, 5, 6]);
});

test('a big batch of images goes as its first samples, as the run sends it, so the panel can diff those', () => {
  const images = tensor([100, 6, 24, 24], Float64Array.from({ length: 100 * 6 * 24 * 24 }, (_, i) => i % 11));
  assert.ok(!sentWhole(images.shape));
  const [sent] = baselineWire(new Map([['Conv1/out', images]]), 'l').tensors;
  const perSample = 6 * 24 * 24;
  const samples = Math.floor(PREVIEW_ABOVE / perSample);
  assert.deepEqual([sent.tensor.samples, sent.tensor.shape], [samples, [100, 6, 24, 24]]);
  assert.deepEqual(values(sent.tensor), images.data.slice(0, samples * perSample));
  assert.deepEqual(sent.tensor.stats, wireStats(images));
  // The same as a run's event carries it.
  assert.deepEqual(sent.tensor, batchTensor(images, []));
});

test('an unchanged spec run again matches its pinned baseline with every difference exactly 0; an edited init does not', async () => {
  const name = 'two-layer-net.backprop.yaml';
  const pinned = await savedRun(name);
  const again = await savedRun(name);
  const same = diffRuns(pinned.arrays, again.arrays);
  assert.deepEqual(same.incomparable, []);
  assert.ok(same.compared.length > 10);
  for (const d of same.compared) assert.ok(d.maxAbs === 0 && d.delta.data.every((v) => Object.is(v, 0)), d.name);

  // What the panel compares: the baseline's wire tensors against the run's, by name and shape.
  const wired = new Map(baselineWire(pinned.arrays, 'pinned').tensors.map((t) => [t.name, t.tensor]));
  const shown = [...again.arrays].filter(([n]) => wired.has(n));
  const current = new Map(shown.map(([n, t]): [string, WireTensor] => [n, { shape: [...t.shape], buffer: t.data.slice().buffer as ArrayBuffer, stats: wireStats(t) }]));
  const { pairs, incomparable } = matchRuns(wired, current);
  assert.deepEqual(incomparable, []);
  assert.equal(pairs.length, wired.size);
  for (const p of pairs) assert.equal(diffTensor(p.name, tensor(p.baseline.shape, values(p.baseline)), tensor(p.current.shape, values(p.current))).maxAbs, 0, p.name);

  const text = readFileSync(join(root, 'examples', name), 'utf8');
  assert.match(text, /init: \{ std: 0\.01 \}/, 'the example names its init');
  const edited = await savedRun(name, (t) => t.replace('init: { std: 0.01 }', 'init: he'));
  const changed = diffRuns(pinned.arrays, edited.arrays).compared.filter((d) => d.maxAbs > 0).map((d) => d.name);
  assert.ok(changed.some((n) => n.endsWith('/W')) && changed.some((n) => n.endsWith('/dW')), changed.join(' '));
});

test('matchRuns reads shapes only: stats-only stand-ins match as tensors do', () => {
  const shaped = (shape: number[]) => ({ shape });
  const { pairs, incomparable } = matchRuns(new Map([['A/out', shaped([2, 3])], ['A/dW', shaped([3, 3])], ['Gone/out', shaped([1])]]), new Map([['A/out', shaped([2, 3])], ['A/dW', shaped([3, 4])], ['New/out', shaped([1])]]));
  assert.deepEqual(pairs.map((p) => p.name), ['A/out']);
  assert.deepEqual(incomparable.map((c) => [c.name ?? c.layer, c.reason, c.detail]), [
    ['A/dW', 'reshaped', '[3, 3] → [3, 4]'],
    ['New', 'added', '1 tensors'],
    ['Gone', 'removed', '1 tensors'],
  ]);
});

test("the worker reads a saved run as the baseline baselineWire makes of it; a damaged or empty .npz says why, in the user's language", async () => {
  const engine = new EngineClient({ workerPath: resolve('dist/worker.js'), mnistPath: resolve('dist/mnist-digits.bin'), userCodeLimitMs: () => 10_000, trusted: () => false });
  try {
    const { npz, arrays } = await savedRun('two-layer-net.backprop.yaml');
    const english = (s: Sentence) => sentenceIn(s, 'en');
    const korean = (s: Sentence) => sentenceIn(s, 'ko');
    assert.deepEqual(await readBaseline(engine, npz, 'pinned', english), baselineWire(arrays, 'pinned'));
    const cut = npz.subarray(0, 100);
    assert.equal(await readBaseline(engine, cut, 'cut.npz', english), 'not an .npz file (no zip directory found)');
    const inKorean = await readBaseline(engine, cut, 'cut.npz', korean);
    assert.equal(inKorean, render({ id: 'spec.npz.noDirectory', args: {} }, 'ko'));
    assert.match(String(inKorean), /[가-힣]/);
    const empty = zipBytes([{ name: RUN_INFO, bytes: new TextEncoder().encode('{}') }]);
    assert.equal(await readBaseline(engine, empty, 'empty.npz', english), 'it holds no arrays');
    assert.equal(await readBaseline(engine, empty, 'empty.npz', korean), '배열이 하나도 없습니다');
  } finally {
    engine.dispose();
  }
});
