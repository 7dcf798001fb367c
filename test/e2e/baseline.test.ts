// Comparing runs in a real VS Code: pin a run as the baseline, change the init, run again, and read
// the differences in the panel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

test('Pin as Baseline, then He init: the panel says which tensors differ, with Δ columns and a Δ dW heatmap; Clear Baseline ends it', async () => {
  const { workbench } = vscode;
  const { page } = workbench;
  await workbench.openFile('two-layer-net.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  const panel = await workbench.findFrame('h1.title', { hasText: 'two-layer-net.backprop.yaml', timeout: 30_000 });
  await panel.locator('.status', { hasText: /^done/ }).waitFor({ timeout: 30_000 });

  await panel.locator('button', { hasText: 'Pin as Baseline' }).click();
  // A seeded run repeats bit for bit: against itself, every Δ is 0.
  await panel.locator('.baseline-summary', { hasText: 'every Δ is 0' }).waitFor({ timeout: 30_000 });

  // Typed over the line; the editor's closing brace, auto-inserted, is typed over too.
  await page.locator('.editor-group-container .view-lines .view-line', { hasText: 'units: 50' }).first().click();
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type('- { type: affine, units: 50, init: he }');
  await page.locator('.editor-group-container .view-lines', { hasText: 'units: 50, init: he' }).waitFor();
  await workbench.runCommand('Run Backprop');
  const summary = panel.locator('.baseline-summary', { hasText: /tensors differ/ });
  await summary.waitFor({ timeout: 30_000 });
  assert.match(await summary.innerText(), /\d+ of \d+ tensors differ; the largest \|Δ\| is [\d.e+-]+, in \S+ at \[\d+, \d+\]/);
  const dW = panel.locator('.hm-card', { has: panel.locator('.hm-title', { hasText: /^Δ dW$/ }) });
  await dW.waitFor();
  const pixels = await workbench.canvasPixels(panel, '.hm-card:has(.hm-title:text-is("Δ dW")) canvas.hm-canvas');
  assert.ok(pixels.painted > 0 && pixels.distinctColors > 1, JSON.stringify(pixels));
  await workbench.screenshot('baseline-diff');

  await panel.locator('button', { hasText: 'Clear Baseline' }).click();
  await panel.locator('.baseline-summary').waitFor({ state: 'hidden', timeout: 15_000 });
});
