// Random convolutional networks written as specs with inline 4-D data and weights, run by the
// engine and by the book's numpy im2col layers (test/unit/conv_oracle.py): loss, every dx and
// every parameter gradient agree to 1e-9 relative. Needs python3 with numpy: without them the test
// skips locally with the reason, and fails when CI is set.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/engine/rng';
import { runNetwork, type RunEvent } from '../../src/engine/run';
import { loadSpec, type SpecIO } from '../../src/spec';

const ORACLE = join(__dirname, '..', '..', '..', 'test', 'unit', 'conv_oracle.py');
const REL = 1e-9;

const noFiles: SpecIO = {
  openFile: () => {
    throw new Error('no files here');
  },
  mnist: () => new Uint8Array(),
};

/** Why numpy cannot run here, or null when it can. */
function numpyMissing(): string | null {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error) return `python3 not found (${probe.error.message})`;
  return probe.status === 0 ? null : `python3 has no numpy (${probe.stderr.trim().split('\n').pop()})`;
}

const missing = numpyMissing();
if (missing && process.env.CI) throw new Error(`the numpy oracle needs python3 with numpy on CI: ${missing}`);

/** Nested lists of normal draws in `shape`. */
function nested(rng: Rng, shape: number[], scale = 1): unknown {
  if (shape.length === 0) return scale * rng.normal();
  return Array.from({ length: shape[0] }, () => nested(rng, shape.slice(1), scale));
}

/** A random Convolution → ReLU → Pooling → Affine net spec (JSON) and the oracle's description of it. */
function randomNet(rng: Rng): { spec: string; oracle: unknown } {
  const pick = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  for (;;) {
    const [n, c, h, w] = [pick(1, 3), pick(1, 3), pick(5, 9), pick(5, 9)];
    const [fn, fh, fw, stride, pad] = [pick(1, 4), pick(1, 4), pick(1, 4), pick(1, 2), pick(0, 2)];
    const [oh, ow] = [(h + 2 * pad - fh) / stride + 1, (w + 2 * pad - fw) / stride + 1];
    const [ps, pstride] = [pick(1, 3), pick(1, 2)];
    const [ph, pw] = [(oh - ps) / pstride + 1, (ow - ps) / pstride + 1];
    if (![oh, ow, ph, pw].every((v) => Number.isInteger(v) && v > 0)) continue;
    const classes = pick(2, 4);
    const x = nested(rng, [n, c, h, w]);
    const t = Array.from({ length: n }, () => pick(0, classes - 1));
    const conv = { W: nested(rng, [fn, c, fh, fw], 0.5), b: nested(rng, [fn], 0.1) };
    const affine = { W: nested(rng, [fn * ph * pw, classes], 0.5), b: nested(rng, [classes], 0.1) };
    const spec = {
      input: { data: x },
      target: { labels: t },
      layers: [
        { type: 'convolution', stride, pad, weights: conv },
        'relu',
        { type: 'pooling', size: ps, stride: pstride },
        { type: 'affine', weights: affine },
      ],
      loss: 'softmax-with-loss',
    };
    const oracle = {
      x,
      t,
      layers: [
        { type: 'convolution', stride, pad, ...conv },
        { type: 'relu' },
        { type: 'pooling', size: [ps, ps], stride: pstride, pad: 0 },
        { type: 'affine', ...affine },
      ],
    };
    return { spec: JSON.stringify(spec), oracle };
  }
}

/** |a − o| ≤ 1e-9·max(|o|, 1e-3·max |o| of the tensor): relative, with a floor for entries that cancel to near 0. */
function assertRel(a: ArrayLike<number>, o: readonly number[], what: string): void {
  assert.equal(a.length, o.length, `${what}: sizes`);
  const scale = Math.max(...o.map(Math.abs));
  for (let i = 0; i < o.length; i++) {
    assert.ok(Math.abs(a[i] - o[i]) <= REL * Math.max(Math.abs(o[i]), 1e-3 * scale), `${what}[${i}]: engine ${a[i]} vs numpy ${o[i]}`);
  }
}

test('random conv networks from specs with inline 4-D data and weights agree with the book\'s numpy im2col layers to 1e-9', { skip: missing ?? false }, () => {
  const rng = new Rng(1307);
  for (let trial = 0; trial < 12; trial++) {
    const { spec, oracle } = randomNet(rng);
    const loaded = loadSpec(spec, 'random.backprop.json', noFiles);
    assert.deepEqual(loaded.problems, [], spec);
    const events = [...runNetwork(loaded.network!, loaded.x!, loaded.t!, { train: true })];
    const python = spawnSync('python3', [ORACLE], { input: JSON.stringify(oracle), encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(python.status, 0, python.stderr);
    const numpy = JSON.parse(python.stdout) as { loss: number; layers: Record<string, number[]>[] };
    const loss = events.find((e) => e.kind === 'loss');
    assert.ok(loss?.kind === 'loss');
    assertRel([loss.value], [numpy.loss], 'loss');
    for (const e of events.filter((e): e is Extract<RunEvent, { kind: 'backward' }> => e.kind === 'backward')) {
      assertRel(e.dx.data, numpy.layers[e.index].dx, `trial ${trial} ${e.name} dx`);
      for (const g of e.grads) assertRel(g.grad.data, numpy.layers[e.index][g.name], `trial ${trial} ${e.name} d${g.name}`);
    }
  }
});
