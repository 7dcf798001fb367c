// The one-line summaries above each layer (CodeLens) and in hovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lensLine, staticLine, type LensWords } from '../../src/extension/summary';
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
/** The words as the English bundle has them (editor.ts passes vscode.l10n.t's). */
const words: LensWords = {
  dead: (p) => `dead ${p}`,
  deadFilters: (p) => `dead filters ${p}`,
  masked: (p) => `masked ${p}`,
  checkOk: () => 'check ok',
  checkFailed: (e) => `check FAIL (max rel ${e})`,
};
const params = (n: string) => `${n} params`;
const finding = (kind: Finding['kind']): Finding => ({ index: 0, kind, id: 'fixture', args: {}, message: `Affine1: ${kind}` });

test('a failed check is said once: by the check, not again as a finding', () => {
  const failed = affine({ W: check(false, 1.95), b: check(true, 0) });
  assert.equal(lensLine(failed, [finding('check-failed')], words), '‖dW‖ 0.245 · check FAIL (max rel 1.95)');
  assert.equal(lensLine(failed, [finding('check-failed'), finding('exploding')], words), '‖dW‖ 0.245 · check FAIL (max rel 1.95) · ⚠ exploding');
  assert.equal(lensLine(affine({ W: check(true, 1e-9) }), [], words), '‖dW‖ 0.245 · check ok');
  // Without a check on the line, nothing else says it.
  assert.equal(lensLine(affine({}), [finding('check-failed')], words), '‖dW‖ 0.245 · ⚠ check-failed');
});

test("a convolution's hover line gives its in → out shape and parameter count from shape inference", () => {
  const text = 'input: { dataset: mnist, count: 100, shape: [1, 28, 28] }\nlayers:\n  - { type: convolution, filters: 30, size: 5 }\n  - { type: pooling, size: 2 }\n';
  const lines = analyseSpec(text, 'c.backprop.yaml').shapes!.map((s) => staticLine(s.type, s.inShape, s.outShape, s.paramCount, params));
  assert.deepEqual(lines, ['convolution · 100×1×28×28 → 100×30×24×24 · 780 params', 'pooling · 100×30×24×24 → 100×30×12×12 · 0 params']);
});

test("a mask's line says a ReLU's dead units or filters, and another layer's masked share", () => {
  const masked = (type: string, unit: 'unit' | 'filter'): LayerResult => ({
    info: { name: 'Relu1', type, inShape: [2, 2], outShape: [2, 2], paramCount: 0, line: 3 },
    maskStats: { maskedFraction: 0.5, deadUnits: 1, deadFraction: 0.25, unit },
    params: {},
    grads: {},
    checks: {},
  });
  assert.equal(lensLine(masked('relu', 'unit'), [], words), 'dead 25%');
  assert.equal(lensLine(masked('relu', 'filter'), [], words), 'dead filters 25%');
  assert.equal(lensLine(masked('dropout', 'unit'), [], words), 'masked 50%');
});
