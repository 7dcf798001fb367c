// The book's ch. 7 SimpleConvNet in a real VS Code: run it, see its filters as a grid of images, and
// the pooling layer's mask of window maxima, and a sample of a feature map the panel was not sent,
// fetched from the host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

test('SimpleConvNet: the filters are a grid of images, and the pooling layer shows where each window\'s maximum was', async () => {
  const { workbench } = vscode;
  await workbench.openFile('simple-convnet.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  const panel = await workbench.findFrame('h1.title', { hasText: 'simple-convnet.backprop.yaml', timeout: 30_000 });
  await panel.locator('.status', { hasText: /^done/ }).waitFor({ timeout: 60_000 });

  await panel.locator('table.layers tbody tr', { hasText: 'Convolution1' }).click();
  const filters = panel.locator('.hm-grid', { has: panel.locator('.hm-title', { hasText: /^W$|^dW$/ }) }).first();
  await filters.waitFor();
  assert.match((await filters.locator('canvas.hm-canvas').getAttribute('aria-label')) ?? '', /one image per filter, filters 0–29 of 30/);
  const pixels = await workbench.canvasPixels(panel, '.hm-grid canvas.hm-canvas');
  assert.ok(pixels.painted > 0 && pixels.distinctColors > 1, JSON.stringify(pixels));
  await workbench.screenshot('conv-filters');

  // Its output [100, 30, 24, 24] came as its first 15 samples; sample 60 comes from the host on request.
  const maps = panel.locator('.hm-grid', { has: panel.locator('.hm-title', { hasText: /^activation$/ }) });
  await maps.locator('input.grid-jump').fill('60');
  await maps.locator('input.grid-jump').press('Enter');
  await maps.locator('.grid-page', { hasText: 'sample 60 of 100' }).waitFor({ timeout: 10_000 });
  await maps.locator('canvas.hm-canvas').hover({ position: { x: 1, y: 1 } });
  assert.match(await panel.locator('#bl-tooltip').innerText(), /\[n, c, h, w\] \[60, 0, 0, 0\]\nvalue /);
  await workbench.screenshot('conv-fetched-sample');

  await panel.locator('table.layers tbody tr', { hasText: 'Pooling1' }).click();
  const mask = panel.locator('.hm-grid', { has: panel.locator('.hm-title', { hasText: 'mask (pooling)' }) });
  await mask.waitFor();
  assert.deepEqual(await mask.locator('.legend-item').allTextContents(), ['not the max (0)', 'window max (1)']);
  await mask.locator('canvas.hm-canvas').hover({ position: { x: 1, y: 1 } });
  assert.match(await panel.locator('#bl-tooltip').innerText(), /\[n, c, h, w\] \[0, 0, 0, 0\]/);
  await workbench.screenshot('conv-pooling-mask');
});
