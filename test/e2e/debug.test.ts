// The step debugger in a real VS Code: a breakpoint on a layer line, the Variables view, stepping
// from forward through the loss into backward, the Debug Console, and the end of the session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

/** The names of the Variables view's rows, as drawn. */
const VARIABLE_NAMES = `[...document.querySelectorAll('.debug-variables .monaco-list-row .name')].map((n) => n.textContent.replace(/\\s*[:=]\\s*$/, '').trim())`;

/**
 * Presses F10 and returns the ms, in the page's clock, from the key to the Call Stack's top frame
 * reading `frame`, and to a Variables view with a row named `shows` and none named `gone`: the next
 * stop drawn. Polled each frame, so each figure is good to a frame (~16 ms).
 */
async function stepOverTimed(page: Page, frame: string, shows: string, gone: string): Promise<{ callStack: number; variables: number }> {
  const pressed = await page.evaluate<number>('performance.now()');
  await page.keyboard.press('F10');
  const when = async (condition: string): Promise<number> => {
    const at = await page.waitForFunction(`(${condition}) && performance.now()`, undefined, { polling: 'raf', timeout: 30_000 });
    return (await at.jsonValue() as number) - pressed;
  };
  const callStack = await when(`document.querySelector('.debug-call-stack .monaco-list-row')?.textContent.includes(${JSON.stringify(frame)})`);
  const variables = await when(`(() => { const names = ${VARIABLE_NAMES}; return names.includes(${JSON.stringify(shows)}) && !names.includes(${JSON.stringify(gone)}); })()`);
  return { callStack, variables };
}

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
  // Show as Heatmap, from the variable's context menu, draws it in the run panel above the layers.
  await variables.filter({ hasText: 'mask' }).first().click({ button: 'right' });
  // The menu can drop a click that lands while it is still laid out (seen in CI): click until it closes.
  const showItem = page.locator('.context-view .action-label', { hasText: 'Show as Heatmap' }).first();
  for (let tries = 0; tries < 4 && (await showItem.isVisible()); tries++) {
    await showItem.click().catch(() => undefined);
    await showItem.waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
  }
  const shown = await workbench.findFrame('section.inspect:not([hidden]) canvas', { timeout: 30_000 }).catch(async (error: unknown) => {
    await workbench.screenshot('debug-show-as-heatmap-missing');
    throw new Error(`${(error as Error).message}\nnotifications: ${JSON.stringify(await workbench.notifications())}`, { cause: error });
  });
  assert.match(await shown.locator('section.inspect h2').innerText(), /Debugger: mask\s*forward Relu1 · out, mask/);
  await workbench.screenshot('debug-show-as-heatmap');

  // Step Over to the next stop (Affine2's W in place of Relu1's mask), timed from the key: figures
  // printed beside the 150 ms goal, not timed assertions. VS Code's Variables view redraws
  // 400 ms after a stop moves the focused frame (its RunOnceScheduler), so that view has a floor.
  const step = await stepOverTimed(page, 'forward Affine2', 'W', 'mask');
  console.log(`Step Over (F10) → Call Stack at the next stop: ${step.callStack.toFixed(0)} ms (goal: under 150 ms); → Variables view: ${step.variables.toFixed(0)} ms (VS Code's own delay: 400 ms)`);
  await top('forward Affine2');
  await toolbar('Step Over').click();
  await top(/loss SoftmaxWithLoss/);
  await toolbar('Step Over').click();
  await top('backward Affine2');
  await toolbar('Continue').click();
  await top('backward Relu1');
  // The run panel follows the session: the layers it has passed, the stopped one selected.
  const panel = await workbench.findFrame('table.layers tbody tr[aria-selected="true"]', { hasText: 'Relu1', timeout: 30_000 });
  assert.match(await panel.locator('h1.title').innerText(), /two-layer-net\.backprop\.yaml · debugging/);
  assert.ok(await panel.locator('table.layers tbody tr', { hasText: 'Affine2' }).count() > 0);
  await panel.locator('.status', { hasText: 'paused at backward Relu1' }).waitFor({ timeout: 10_000 });
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

test('Debug Training on broken/diverging-lr: the NaN filter stops at the first Infinity, step 1208, naming the element', async () => {
  const { workbench } = vscode;
  const { page } = workbench;
  // A session the test before left (when it failed) would keep the focus, and its stop's widget.
  for (let left = 0; left < 3 && (await page.locator('.debug-toolbar').isVisible()); left++) {
    await page.keyboard.press('Shift+F5');
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }
  await workbench.openFile('broken/diverging-lr.backprop.yaml');
  await workbench.runCommand('Debug Training');
  const widget = page.locator('.exception-widget');
  await widget.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    await workbench.screenshot('debug-training-no-stop');
    throw error;
  });
  const frames = page.locator('.debug-call-stack .monaco-list-row');
  console.log(`Call stack at the stop: ${JSON.stringify(await frames.allInnerTexts())}`);
  console.log(`Exception widget: ${JSON.stringify(await widget.innerText())}`);
  await workbench.screenshot('debug-training-nan');
  assert.ok(await frames.filter({ hasText: 'iteration 1208' }).count() > 0, 'a frame names the step');
  assert.match(await widget.innerText(), /Infinity.*iteration 1208/s);
  // The run panel shows the step the session stopped in, as a run of its own.
  const panel = await workbench.findFrame('.summary .net-name', { hasText: 'diverging-lr · step 1208', timeout: 30_000 });
  assert.ok(await panel.locator('table.layers tbody tr[aria-selected="true"]').count() === 1);
  const variables = page.locator('.debug-variables .monaco-list-row');
  await variables.filter({ hasText: /^iteration/ }).first().waitFor();
  // The Train panel follows, behind the run panel: the losses up to the stop, its step the snapshot, paused there.
  await page.locator('.tabs-container .tab[aria-label^="Train: diverging-lr"]').first().click();
  const train = await workbench.findFrame('.toolbar .status', { hasText: 'debugger paused in step 1,208 / 5,000: loss MSE', timeout: 30_000 });
  await train.locator('.snapshot-title', { hasText: 'at step 1,208' }).waitFor({ timeout: 10_000 });
  assert.match(await train.locator('.nan-callout').innerText(), /First Infinity at step 1,208/);
  await workbench.screenshot('debug-training-train-panel');
  await page.locator('.debug-toolbar .action-label[aria-label^="Continue"]').click();
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});
