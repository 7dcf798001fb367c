// A user in a real VS Code (code-server in Chromium) with the packaged .vsix: open a spec, run
// "Run Backprop" from the palette, read the panel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import type { VSCodeSession } from './harness';
import { medianLatency } from './latency';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

/** Runs a spec from the palette and returns the panel's frame once its table (or graph) shows. */
async function runSpec(file: string, ready: string, hasText?: string | RegExp): Promise<Frame> {
  const { workbench } = vscode;
  await workbench.openFile(file);
  await workbench.runCommand('Run Backprop');
  return workbench.findFrame(ready, { timeout: 30_000, ...(hasText === undefined ? {} : { hasText }) });
}

const rowTexts = (frame: Frame) => frame.locator('table.layers tbody tr').allInnerTexts();

test('TwoLayerNet on 3 digits: a row per layer with its shapes, and painted heatmaps', async () => {
  const frame = await runSpec('two-layer-net.backprop.yaml', 'table.layers tbody tr', 'SoftmaxWithLoss');
  await frame.locator('.status', { hasText: /^done/ }).waitFor({ timeout: 30_000 });
  const rows = (await rowTexts(frame)).map((r) => r.replace(/\s+/g, ' '));
  assert.equal(rows.length, 4, rows.join('\n'));
  assert.match(rows[0], /Affine1 affine 3×784 → 3×50 39,250/);
  assert.match(rows[1], /Relu1 relu 3×50 → 3×50 0/);
  assert.match(rows[2], /Affine2 affine 3×50 → 3×10 510/);
  assert.match(rows[3], /SoftmaxWithLoss/);
  const canvases = frame.locator('canvas.hm-canvas');
  assert.ok((await canvases.count()) >= 4, 'activation, dout, dx, dW and db heatmaps of Affine1');
  for (let i = 0; i < (await canvases.count()); i++) {
    const pixels = await vscode.workbench.canvasPixels(frame, `figure.hm-card:nth-of-type(${i + 1}) canvas.hm-canvas`);
    assert.ok(pixels.painted > 0 && pixels.distinctColors > 1, `heatmap ${i} is painted: ${JSON.stringify(pixels)}`);
  }
  await vscode.workbench.screenshot('two-layer-net');
});

test('selecting Relu1 with the keyboard shows its mask', async () => {
  const frame = await vscode.workbench.findFrame('table.layers tbody tr', { hasText: 'Relu1' });
  await frame.locator('table.layers tbody tr', { hasText: 'Affine1' }).click();
  await frame.locator('table.layers tbody tr', { hasText: 'Affine1' }).press('ArrowDown');
  await frame.locator('.hm-title', { hasText: 'mask (relu)' }).waitFor();
  const pixels = await vscode.workbench.canvasPixels(frame, 'figure.hm-card:nth-of-type(2) canvas.hm-canvas');
  assert.equal(pixels.distinctColors, 2, 'a mask has two colours');
  await vscode.workbench.screenshot('relu-mask');
});

test("the seed's shop graph reads 715 at the output and 650 on tax", async () => {
  const frame = await runSpec('buy_apple_orange.backprop.yaml', 'svg.graph');
  const text = await frame.locator('.graph-wrap').innerText();
  assert.match(text, /\b715\b/);
  assert.match(text, /\b650\b/);
  await frame.locator('details summary', { hasText: 'Exact values' }).click();
  assert.match(await frame.locator('.graph-wrap').innerText(), /715\.0000000000001/);
  await vscode.workbench.screenshot('shop-graph');
});

test('a broken spec lands in Problems, runs nothing and crashes nothing', async () => {
  const { workbench } = vscode;
  await workbench.openFile('typo.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  const toast = workbench.page.locator('.notifications-toasts .notification-toast', { hasText: 'typo.backprop.yaml has 1 error(s)' });
  await toast.waitFor();
  await workbench.page.keyboard.press('Control+Shift+M');
  const problem = workbench.page.locator('.markers-panel .monaco-list-row', { hasText: "unknown layer type 'relux' — did you mean 'relu'?" });
  await problem.waitFor();
  assert.match(await problem.innerText(), /\[Ln 3, Col 5\]/);
  await workbench.screenshot('broken-spec');
  // The extension still works.
  await runSpec('relu.backprop.yaml', 'table.layers tbody tr', 'Relu1');
  await workbench.findFrame('.status', { hasText: /^done/ });
});

test('a hostile layer name shows as text', async () => {
  const frame = await runSpec('hostile.backprop.yaml', 'table.layers tbody tr', '<img src=x onerror=alert(1)>');
  assert.equal(await frame.locator('table.layers img').count(), 0);
  assert.equal(await frame.locator('img').count(), 0);
});

test('the panel comes back after a window reload', async () => {
  const { workbench } = vscode;
  await runSpec('sigmoid.backprop.yaml', 'table.layers tbody tr', 'Sigmoid1');
  await workbench.screenshot('before-reload');
  // Reload Window saves the layout first, as a person's reload does; the page then loads anew.
  await Promise.all([workbench.page.waitForEvent('load', { timeout: 60_000 }), workbench.runCommand('Developer: Reload Window').catch(() => undefined)]);
  await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // Restored panels wait as tabs; a webview loads when its tab is shown, as a person would click it.
  await workbench.page.locator('.tabs-container .tab[aria-label^="Backprop: sigmoid"]').click({ timeout: 60_000 });
  const frame = await workbench.findFrame('table.layers tbody tr', { hasText: 'Sigmoid1', timeout: 60_000 });
  await frame.locator('.status', { hasText: /^done/ }).waitFor();
  await workbench.screenshot('restored');
});

test('a long gradient check shows progress, and Cancel stops it', async () => {
  const { workbench } = vscode;
  await workbench.openFile('slow.backprop.yaml');
  await workbench.runCommand('Gradient Check');
  const toast = workbench.page.locator('.notifications-toasts .notification-toast', { hasText: 'Backprop: checking gradients of slow.backprop.yaml' });
  await toast.waitFor({ timeout: 30_000 });
  await workbench.screenshot('progress');
  await toast.getByRole('button', { name: 'Cancel' }).click();
  await toast.waitFor({ state: 'hidden' });
  const frame = await workbench.findFrame('.status', { hasText: 'cancelled' });
  // VS Code reloads a page whose panel moves or is hidden; it replays the run (briefly 'running…') and ends cancelled again.
  await frame.locator('.status', { hasText: /^cancelled$/ }).waitFor({ timeout: 30_000 });
  // The next run starts a fresh engine and works.
  await runSpec('relu.backprop.yaml', 'table.layers tbody tr', 'Relu1');
  await workbench.findFrame('.status', { hasText: /^done/ });
});

test('latency: palette command to the first painted heatmap (TwoLayerNet, batch 100)', async () => {
  const spec = 'two-layer-net-batch100.backprop.yaml';
  const opening = await medianLatency(vscode.workbench, spec, true, 3);
  const rerun = await medianLatency(vscode.workbench, spec, false, 3);
  console.log(`command → first painted heatmap, median of 3: ${opening} ms opening the panel, ${rerun} ms in the open panel (target < 300 ms; figures, not assertions)`);
});

test('8,000 digits (the training example): the table fills, and the first layer shows its heatmaps', async (t) => {
  const { workbench } = vscode;
  await workbench.openFile('train-two-layer-net.backprop.yaml');
  const started = Date.now();
  await workbench.runCommand('Run Backprop');
  const frame = await workbench.findFrame('table.layers tbody tr', { hasText: 'SoftmaxWithLoss', timeout: 30_000 });
  await frame.locator('.status', { hasText: /^done/ }).waitFor({ timeout: 60_000 });
  const done = Date.now() - started;
  const rows = (await rowTexts(frame)).map((r) => r.replace(/\s+/g, ' '));
  assert.match(rows[0], /Affine1 affine 8000×784 → 8000×50 39,250/);
  // Affine1 is selected from the start; its dx is 8,000×784, sent pooled by the engine and painted like any other.
  const dx = frame.locator('figure.hm-card', { has: frame.locator('.hm-title', { hasText: /^dx$/ }) });
  assert.equal(await dx.locator('.hm-note').innerText(), 'downsampled 8000×784 → 334×392, max-|·| pooling');
  const pixels = await workbench.canvasPixels(frame, 'figure.hm-card:has(.hm-title:text-is("dx")) canvas.hm-canvas');
  assert.ok(pixels.painted > 0 && pixels.distinctColors > 1, JSON.stringify(pixels));
  t.diagnostic(`Run Backprop on 8,000 rows: command → "done" with Affine1's heatmaps drawn: ${done} ms`);
  await workbench.screenshot('run-8000-rows');
});
