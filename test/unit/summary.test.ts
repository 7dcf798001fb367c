// The one-line summaries above each layer (CodeLens) and in hovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lensLine, staticLine } from '../../src/extension/summary';
import { analyseSpec } from '../../src/spec/analyse';
import type { LayerResult } from '../../src/extension/store';
import type { Finding, WireCheck, WireStats, WireTensor } from '../../src/protocol';

const stats = (l2: number) => ({ l2 }) as WireStats;
const tensor = (l2: number): WireTensor => ({ shape: [2, 2], buffer: new ArrayBuffer(32), stats: stats(l2) });
const check = (ok: boolean, maxRelError: number) => ({ ok, maxRelError }) as WireCheck;
const affine = (checks: Record<string, WireCheck>): LayerResult => ({
  info: { name: 'Affine1', type: 'affine', inShape: [2, 2], outShape: [2, 2], paramCount: 6, line: 3 },
  params: { W: tensor(1) },
  grads: { W: tensor(0.245) },
  checks,
});
const finding = (kind: Finding['kind']): Finding => ({ index: 0, kind, id: 'fixture', args: {}, message: `Affine1: ${kind}` });

test('a failed check is said once: by the check, not again as a finding', () => {
  const failed = affine({ W: check(false, 1.95), b: check(true, 0) });
  assert.equal(lensLine(failed, [finding('check-failed')]), '‖dW‖ 0.245 · check FAIL (max rel 1.95)');
  assert.equal(lensLine(failed, [finding('check-failed'), finding('exploding')]), '‖dW‖ 0.245 · check FAIL (max rel 1.95) · ⚠ exploding');
  assert.equal(lensLine(affine({ W: check(true, 1e-9) }), []), '‖dW‖ 0.245 · check ok');
  // Without a check on the line, nothing else says it.
  assert.equal(lensLine(affine({}), [finding('check-failed')]), '‖dW‖ 0.245 · ⚠ check-failed');
});

test("a convolution's hover line gives its in → out shape and parameter count from shape inference", () => {
  const text = 'input: { dataset: mnist, count: 100, shape: [1, 28, 28] }\nlayers:\n  - { type: convolution, filters: 30, size: 5 }\n  - { type: pooling, size: 2 }\n';
  const lines = analyseSpec(text, 'c.backprop.yaml').shapes!.map((s) => staticLine(s.type, s.inShape, s.outShape, s.paramCount));
  assert.deepEqual(lines, ['convolution · 100×1×28×28 → 100×30×24×24 · 780 params', 'pooling · 100×30×24×24 → 100×30×12×12 · 0 params']);
});
