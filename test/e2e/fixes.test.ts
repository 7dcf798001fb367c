// Fixing findings from the run panel in a real VS Code: a finding's fix button and Fix all edit the
// spec as the quick fixes do, and the rerun that follows finds nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

/** Opens a spec, runs it from the palette and returns its panel once it says done. */
async function run(file: string): Promise<Frame> {
  const { workbench } = vscode;
  await workbench.openFile(file);
  await workbench.runCommand('Run Backprop');
  const title = file.split('/').pop()!;
  const panel = await workbench.findFrame('h1.title', { hasText: title, timeout: 30_000 });
  await panel.locator('.status', { hasText: /^done/ }).waitFor({ timeout: 30_000 });
  return panel;
}

/** The text of the active editor's lines that hold `needle`, as shown. */
async function editorLines(needle: string): Promise<string[]> {
  const lines = await vscode.workbench.page.locator('.editor-group-container .view-lines .view-line', { hasText: needle }).allInnerTexts();
  return lines.map((l) => l.replace(/\u00a0/g, ' ').trim());
}

test('Fix all in the panel cures broken/exploding-init: after Run again the findings are gone, in the panel and in Problems', async () => {
  const { workbench } = vscode;
  const panel = await run('broken/exploding-init.backprop.yaml');
  const fixAll = panel.locator('.findings-fix-all');
  await fixAll.waitFor();
  assert.equal(await panel.locator('.findings-heading').textContent(), 'Findings (4)');
  assert.equal(await fixAll.textContent(), 'Fix all (4 changes)');
  assert.equal(await workbench.page.locator('.editor-group-container .squiggly-warning').count() > 0, true, 'the findings are squiggles in the spec');
  await workbench.screenshot('fixes-before');
  await fixAll.click();
  await workbench.page.locator('.editor-group-container .view-lines', { hasText: 'units: 10, init: { std: 0.01 }' }).waitFor();
  assert.deepEqual(await editorLines('type: affine'), [
    '- { type: affine, units: 64, init: he }',
    '- { type: affine, units: 64, init: he }',
    '- { type: affine, units: 64, init: he }',
    '- { type: affine, units: 10, init: { std: 0.01 } }',
  ]);
  // Nothing is left for the panel to offer.
  await panel.locator('.finding-fix').first().waitFor({ state: 'detached' });
  assert.equal(await fixAll.isHidden(), true);

  await panel.locator('button', { hasText: 'Run again' }).click();
  await panel.locator('.findings-list', { hasText: 'No gradient-health problems found.' }).waitFor({ timeout: 30_000 });
  await panel.locator('.status', { hasText: /^done in/ }).waitFor();
  assert.equal(await panel.locator('.finding-mark').count(), 0);
  await workbench.page.locator('.editor-group-container .squiggly-warning').first().waitFor({ state: 'detached' });
  await workbench.screenshot('fixes-after');
});

test('a finding\'s fix button says what it changes, bias included, and applies the quick fix\'s edit', async () => {
  const { workbench } = vscode;
  const panel = await run('broken/dead-relu.backprop.yaml');
  const fix = panel.locator('.findings-list li', { hasText: 'dead ReLU' }).locator('button.finding-fix');
  assert.equal(await fix.textContent(), 'Use He init (suits ReLU stacks) in Affine1 and remove its bias -1');
  assert.match((await panel.locator('.finding-message').first().textContent()) ?? '', /Affine1's bias -1 holds them below 0/);
  await fix.click();
  await workbench.page.locator('.editor-group-container .view-lines', { hasText: 'units: 30, init: he' }).waitFor();
  await panel.locator('.finding-fix').waitFor({ state: 'detached' });
  await panel.locator('button', { hasText: 'Run again' }).click();
  await panel.locator('.findings-list', { hasText: 'No gradient-health problems found.' }).waitFor({ timeout: 30_000 });
});

test('a fix made in the editor takes its button out of the panel, with no run in between', async () => {
  const { workbench } = vscode;
  const panel = await run('broken/saturated-sigmoid.backprop.yaml');
  const fixes = panel.locator('button.finding-fix');
  await fixes.first().waitFor();
  assert.deepEqual(await fixes.allTextContents(), ['Use Xavier init (suits sigmoid/tanh) in Affine1', 'Use Xavier init (suits sigmoid/tanh) in Affine2']);
  // The same fix as a quick fix on the finding's line, which goes through the editor, not the panel.
  await workbench.page.locator('.editor-group-container.active .view-lines .view-line', { hasText: '- sigmoid' }).first().click({ position: { x: 5, y: 5 } });
  await workbench.pressUntil('Control+.', workbench.page.locator('.action-widget', { hasText: 'in Affine1' }));
  await workbench.page.keyboard.press('Enter');
  await workbench.page.locator('.editor-group-container.active .view-lines', { hasText: 'units: 40, init: xavier' }).waitFor();
  // The panel offers only what is left to change, and says its run predates the edit.
  await panel.locator('button.finding-fix', { hasText: 'in Affine1' }).waitFor({ state: 'detached', timeout: 10_000 });
  assert.deepEqual(await fixes.allTextContents(), ['Use Xavier init (suits sigmoid/tanh) in Affine2']);
  await workbench.screenshot('fixes-after-editor-fix');
});
