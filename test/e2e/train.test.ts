// A user training from the editor in a real VS Code (code-server in Chromium) with the packaged .vsix:
// "Backprop: Train" from the palette, the loss curve falling, the progress notification and status
// bar item, hovers while the engine trains, Cancel, the step scrubber, and a run that hits Infinity.
// Latencies are printed as figures, never asserted: the machine is shared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

/** The loss chart's accessible summary: its step count and latest loss. */
async function lossCurve(frame: Frame): Promise<{ steps: number; latest: number }> {
  const label = (await frame.locator('figure.chart-loss .chart-plot').getAttribute('aria-label')) ?? '';
  const m = /Loss curve, ([\d,]+) steps.*latest ([-\d.e+]+)/.exec(label);
  return m ? { steps: Number(m[1].replace(/,/g, '')), latest: Number(m[2]) } : { steps: 0, latest: NaN };
}

/** Polls the loss curve until it has at least `steps` steps. */
async function waitForSteps(frame: Frame, steps: number, timeout = 60_000): Promise<{ steps: number; latest: number }> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const curve = await lossCurve(frame);
    if (curve.steps >= steps) return curve;
    if (Date.now() > deadline) throw new Error(`the loss curve reached ${curve.steps} steps, not ${steps}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Median ms from moving onto `token` to its hover showing, over `n` hovers. */
async function hoverMs(token: string, n = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await vscode.workbench.dismiss();
    const start = Date.now();
    await vscode.workbench.hover(token);
    times.push(Date.now() - start);
  }
  await vscode.workbench.dismiss();
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}

test('Backprop: Train from the palette: the loss curve appears and falls, with progress and ETA; hovers stay quick; Cancel stops it', async (t) => {
  const { workbench } = vscode;
  await workbench.openFile('train-two-layer-net.backprop.yaml');
  const idleHover = await hoverMs('relu');

  await workbench.runCommand('Train');
  const frame = await workbench.findFrame('.scrubber', { timeout: 30_000 });
  const early = await waitForSteps(frame, 5);
  const later = await waitForSteps(frame, Math.max(800, early.steps + 300));
  // The untrained net's loss is ln 10 ≈ 2.30 (ten classes, near-zero logits). On a loaded machine the
  // panel may first show the curve hundreds of steps in, when the loss has already fallen.
  const fell = later.latest < Math.log(10) / 2 && later.latest < early.latest;
  assert.ok(fell, `loss ${early.latest} at step ${early.steps} → ${later.latest} at step ${later.steps}`);
  // uPlot laid out with its stylesheet: a plot of real height with the curve painted on it.
  const plot = await workbench.canvasPixels(frame, 'figure.chart-loss canvas');
  assert.ok(plot.height >= 100 && plot.distinctColors > 2, JSON.stringify(plot));

  const toast = workbench.page.locator('.notifications-toasts .notification-toast', { hasText: 'training train-two-layer-net' });
  await toast.locator('.notification-list-item-details-row, .notification-list-item-message', { hasText: /step [\d,]+ \/ 10,000 · ETA/ }).first().waitFor({ timeout: 10_000 });
  const item = workbench.page.locator('.statusbar-item', { hasText: 'Training train-two-layer-net' });
  await item.waitFor();

  // The engine trains in its worker; the extension host answers hovers as fast as when idle.
  const busyHover = await hoverMs('relu');
  t.diagnostic(`hover over a layer, median of 5: ${idleHover} ms idle, ${busyHover} ms while training`);
  await workbench.screenshot('train-running');

  const cancel = frame.locator('button', { hasText: /^Cancel$/ });
  const clicked = Date.now();
  await cancel.click();
  const status = frame.locator('.status', { hasText: /cancelled at step/ });
  await status.waitFor({ timeout: 5_000 });
  t.diagnostic(`Cancel click → "cancelled" in the panel: ${Date.now() - clicked} ms`);
  await item.waitFor({ state: 'hidden', timeout: 5_000 });
  // Charts redraw at most ten times a second: the curve catches up with the step the run stopped at, and stays there.
  const at = Number(/cancelled at step ([\d,]+)/.exec(await status.innerText())![1].replace(/,/g, ''));
  await waitForSteps(frame, at, 5_000);
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal((await lossCurve(frame)).steps, at, 'the curve went on after Cancel');
  await workbench.screenshot('train-cancelled');
});

test('the side view follows the spec on show: its training section shows the same run', async () => {
  const { workbench } = vscode;
  await workbench.page.locator('.activitybar .action-item a[aria-label^="Backprop"]').click();
  const side = await workbench.findFrame('.train-side .status', { hasText: /cancelled at step/, timeout: 15_000 });
  const plot = await workbench.canvasPixels(side, '.train-side figure.chart-loss canvas');
  assert.ok(plot.painted > 0 && plot.distinctColors > 2, JSON.stringify(plot));
  await workbench.screenshot('train-side-view');
  // Back to the Explorer, so later tests open files as before.
  await workbench.page.locator('.activitybar .action-item a[aria-label^="Explorer"]').click();
});

test('the scrubber shows the heatmaps of an older snapshot', async () => {
  const frame = await vscode.workbench.findFrame('.scrubber');
  const scrub = frame.locator('input.scrub');
  await scrub.focus();
  // The ring keeps the latest 30 snapshots: Home goes to the oldest one still kept.
  const note = (await frame.locator('.scrub-note').innerText()).replace(/\u00a0/g, ' ');
  const oldest = /steps ([\d,]+)–/.exec(note)?.[1];
  assert.ok(oldest, note);
  await scrub.press('Home');
  await frame.locator('.snapshot-title', { hasText: new RegExp(`at step ${oldest}$`) }).waitFor({ timeout: 10_000 });
  const pixels = await vscode.workbench.canvasPixels(frame, 'canvas.hm-canvas');
  assert.ok(pixels.painted > 0 && pixels.distinctColors > 1, JSON.stringify(pixels));
  await vscode.workbench.screenshot('train-scrubbed');
});

test('a run that overflows stops at step 1,208, marks it and names the tensor', async () => {
  const { workbench } = vscode;
  await workbench.openFile('broken/diverging-lr.backprop.yaml');
  await workbench.runCommand('Train');
  const frame = await workbench.findFrame('.nan-callout', { hasText: 'MSE', timeout: 60_000 });
  const callout = await frame.locator('.nan-callout').innerText();
  assert.match(callout.replace(/\u00a0/g, ' '), /Infinity at step 1,208/);
  assert.match(callout, /loss/);
  await workbench.page.locator('.notifications-toasts .notification-toast', { hasText: /stopped at step 1,208: first Infinity in MSE loss/ }).waitFor();
  await frame.locator('.status', { hasText: /stopped at step 1,208/ }).waitFor();
  await workbench.screenshot('train-infinity');
  // The layer name in the callout puts the cursor on the spec's loss line.
  await frame.locator('.nan-callout button', { hasText: 'MSE' }).first().click();
  await workbench.page.locator('.tabs-container .tab[aria-label^="diverging-lr.backprop.yaml"]').first().click();
  await workbench.page.locator('.statusbar-item', { hasText: /^Ln 15, Col 7/ }).waitFor({ timeout: 5_000 });
});

test('after a window reload, the Train panel still shows the run that ended with it', async () => {
  const { workbench } = vscode;
  // Reload Window saves the layout first, as a person's reload does; the page then loads anew.
  await Promise.all([workbench.page.waitForEvent('load', { timeout: 60_000 }), workbench.runCommand('Developer: Reload Window').catch(() => undefined)]);
  await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // Restored panels wait as tabs; a webview loads when its tab is shown.
  await workbench.page.locator('.tabs-container .tab[aria-label^="Train: diverging-lr"]').click({ timeout: 60_000 });
  const frame = await workbench.findFrame('.status', { hasText: /stopped at step 1,208/, timeout: 60_000 });
  assert.match((await frame.locator('.nan-callout').innerText()).replace(/\u00a0/g, ' '), /Infinity at step 1,208/);
  const plot = await workbench.canvasPixels(frame, 'figure.chart-loss canvas');
  assert.ok(plot.painted > 0 && plot.distinctColors > 2, JSON.stringify(plot));
  assert.equal(await frame.locator('button', { hasText: 'Train again' }).isVisible(), true);
  await workbench.screenshot('train-restored');
});
