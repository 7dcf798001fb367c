// The step debugger in a real VS Code: a breakpoint on a layer line, the Variables view, stepping
// from forward through the loss into backward, the Debug Console, and the end of the session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

test('Debug Backprop on TwoLayerNet: a breakpoint on Relu1 stops there, mask is a variable, Step Over reaches the loss and backward, the console evaluates dout.sum()', async () => {
  const { workbench } = vscode;
  const { page } = workbench;
  await workbench.openFile('two-layer-net.backprop.yaml');
  await page.locator('.editor-group-container.active .view-lines .view-line', { hasText: '- relu' }).first().click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('F9');
  await page.locator('.editor-group-container.active .codicon-debug-breakpoint').first().waitFor();
  await workbench.runCommand('Debug Backprop');

  const frames = page.locator('.debug-call-stack .monaco-list-row');
  const top = async (text: string | RegExp): Promise<void> => {
    await frames.filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
  };
  const variables = page.locator('.debug-variables .monaco-list-row');
  await top('forward Relu1');
  assert.ok(await frames.filter({ hasText: 'forward pass' }).count() > 0, 'the pass is a frame under the layer');
  await variables.filter({ hasText: /^x\b|x\s*float64\[3, 50\]/ }).first().waitFor();
  await workbench.screenshot('debug-forward-relu1');

  const toolbar = (name: string) => page.locator(`.debug-toolbar .action-label[aria-label^="${name}"]`);
  await toolbar('Step Into').click();
  await variables.filter({ hasText: 'mask' }).first().waitFor();
  assert.match(await variables.filter({ hasText: 'mask' }).first().innerText(), /float64\[3, 50\]\s+mean/);

  await toolbar('Step Over').click();
  await top('forward Affine2');
  await toolbar('Step Over').click();
  await top(/loss SoftmaxWithLoss/);
  await toolbar('Step Over').click();
  await top('backward Affine2');
  await toolbar('Continue').click();
  await top('backward Relu1');
  await workbench.screenshot('debug-backward-relu1');

  // The Debug Console evaluates over the tensors in scope.
  await page.keyboard.press('Control+Shift+Y');
  const input = page.locator('.repl-input-wrapper textarea');
  await input.waitFor();
  await input.focus();
  await page.keyboard.type('dout.sum()');
  await page.keyboard.press('Enter');
  const answer = page.locator('.repl .monaco-list-row .evaluation-result, .repl .monaco-list-row .value').last();
  await answer.waitFor();
  assert.match(await answer.innerText(), /^-?\d/);
  await workbench.screenshot('debug-console');

  await toolbar('Continue').click();
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});
