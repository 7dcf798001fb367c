// The editor under faults, as a user sees it: an engine thread that dies mid-run, a panel closed
// while its run streams, and hostile messages posted into the host through the panel's own channel.
// (The in-host suite, test/vscode/faults.test.ts, checks the engine client's side of the first two,
// and a thousand runs in a row.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

/** The panel of `spec` (its title names the file), once its status matches `status`. */
async function panelOf(spec: string, status: RegExp, timeout = 30_000): Promise<Frame> {
  const frame = await vscode.workbench.findFrame('h1.title', { hasText: spec, timeout });
  await frame.locator('.status', { hasText: status }).waitFor({ timeout });
  return frame;
}

const toasts = () => vscode.workbench.page.locator('.notifications-toasts .notification-toast');

/**
 * Posts `messages` (JSON texts, parsed in the browser so that keys such as "__proto__" stay own keys)
 * to the host as the page's acquireVsCodeApi().postMessage does: it calls this function of VS Code's
 * webview frame, the page's parent. The page holds the one acquireVsCodeApi, and has no `parent` left.
 */
async function postFromPanel(frame: Frame, messages: readonly string[]): Promise<void> {
  const webviewFrame = frame.parentFrame();
  assert.ok(webviewFrame, 'the panel page has no parent frame');
  await webviewFrame.evaluate((texts) => {
    const frame = globalThis as unknown as { __vscode_post_message__(channel: string, data: unknown): void };
    for (const text of texts) frame.__vscode_post_message__('onmessage', { message: JSON.parse(text) as unknown, transfer: undefined });
  }, messages);
}

/** 200 messages a run panel must drop or find no target for: wrong types, huge indices, prototype keys. */
function hostileMessages(): string[] {
  const types = ['Ready', 'rerun ', 'selectlayer', '__proto__', 'constructor', 'toString', 'snapshot', 'cancel', 'retrain', 'revealLayer', 'event', 'reset', '', 1, null, true, [], {}];
  const indices = [-1, 0.5, 1e9, 2 ** 53, 1e308, -1e308, '0', '', null, true, [0], { valueOf: 0 }];
  const out: unknown[] = [null, 0, 'rerun', ['rerun'], [{ type: 'rerun' }], {}];
  for (const type of types) out.push({ type }, { type, index: 0 });
  for (const index of indices) out.push({ type: 'selectLayer', index }, { type: 'selectCell', index, param: 'W', row: 0, col: 0 });
  for (const row of indices) out.push({ type: 'selectCell', index: 0, param: 'W', row, col: 0 }, { type: 'selectCell', index: 0, param: 'W', row: 0, col: row });
  for (const param of ['__proto__', 'constructor', 'prototype', 'w', 'dW', 'x', '', null, 0, ['W']]) out.push({ type: 'selectCell', index: 0, param, row: 0, col: 0 });
  // Well-formed, but naming nothing: a layer, or a cell, past the end (W is 784×50 here).
  for (const index of [4, 5, 999, 999_999_999]) out.push({ type: 'selectLayer', index }, { type: 'selectCell', index, param: 'W', row: 0, col: 0 });
  for (const [row, col] of [[0, 50], [0, 999], [784, 0], [999_999_999, 0], [0, 999_999_999]]) out.push({ type: 'selectCell', index: 0, param: 'W', row, col });
  out.push({ type: 'selectCell', index: 0, param: 'gamma', row: 0, col: 0 }, { type: 'selectCell', index: 1, param: 'W', row: 0, col: 0 });
  const texts = out.map((m) => JSON.stringify(m));
  // A type that is only inherited, or hidden under a "__proto__" key.
  const protoKeys = ['{"__proto__": {"type": "rerun"}}', '{"__proto__": {"type": "selectLayer", "index": 0}}', '{"type": "selectLayer", "__proto__": {"index": 0}}', '{"type": "selectCell", "index": 0, "__proto__": {"param": "W", "row": 0, "col": 0}}'];
  while (texts.length < 200) texts.push(protoKeys[texts.length % protoKeys.length]);
  return texts;
}

test('an engine thread that dies mid-run: the panel says so, and the next run works', async () => {
  const { workbench } = vscode;
  await workbench.openFile('exit.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  const panel = await panelOf('exit.backprop.yaml', /^failed$/);
  // The engine client reads the call clock: the layer whose code ended the thread is named.
  assert.equal(await panel.locator('.alert').innerText(), "Exit1.forward called process.exit(9), which ended the engine's thread");
  await toasts().filter({ hasText: "Exit1.forward called process.exit(9), which ended the engine's thread. The next run starts a fresh engine." }).waitFor();
  await workbench.screenshot('engine-died');
  // The same spec again, in a fresh worker (the layer lets this run through).
  await workbench.runCommand('Run Backprop');
  await panel.locator('.status', { hasText: /^done/ }).waitFor({ timeout: 30_000 });
  assert.equal(await panel.locator('.alert').isVisible(), false);
  assert.match((await panel.locator('table.layers tbody').innerText()).replace(/\s+/g, ' '), /Affine1 .*Exit1 .*Relu1/);
  await workbench.screenshot('engine-died-then-ran');
});

test('closing the panel while a gradient check streams cancels it, with no error', async () => {
  const { workbench } = vscode;
  await workbench.runCommand('Clear All Notifications');
  await workbench.openFile('slow.backprop.yaml');
  await workbench.runCommand('Gradient Check');
  // The check of a million weights takes minutes: its progress shows after half a second.
  const progress = toasts().filter({ hasText: 'Backprop: checking gradients of slow.backprop.yaml' });
  await progress.waitFor({ timeout: 30_000 });
  const tab = workbench.page.locator('.tabs-container .tab[aria-label^="Backprop: slow"]');
  await tab.hover();
  await tab.locator('.codicon-close').click();
  // The progress goes once the run has ended, which only the cancel makes happen this soon.
  await progress.waitFor({ state: 'hidden', timeout: 10_000 });
  assert.deepEqual(await toasts().allInnerTexts(), []);
  await workbench.runCommand('Run Backprop');
  await panelOf('slow.backprop.yaml', /^done/);
});

test('200 hostile messages from the panel are all ignored; the host then still answers the panel', async () => {
  const { workbench } = vscode;
  await workbench.runCommand('Clear All Notifications');
  await workbench.openFile('two-layer-net.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  const panel = await panelOf('two-layer-net.backprop.yaml', /^done/);
  const messages = hostileMessages();
  assert.equal(messages.length, 200);
  await postFromPanel(panel, messages);
  // A well-formed click through the same channel, after them: it shows its cell in the status bar,
  // so the host took the 200 before it and is still listening.
  await postFromPanel(panel, [JSON.stringify({ type: 'selectCell', index: 0, param: 'W', row: 0, col: 1 })]);
  const cells = workbench.page.locator('.statusbar-item', { hasText: /Affine1\.W\[/ });
  await cells.filter({ hasText: /Affine1\.W\[0,1\] = / }).waitFor();
  // None of the hostile cells (W[0,50] would have named W[1,0]) reached the status bar, and nothing failed.
  assert.deepEqual(await cells.allInnerTexts().then((t) => t.map((s) => s.split(' = ')[0])), ['Affine1.W[0,1]']);
  assert.deepEqual(await toasts().allInnerTexts(), []);
  await workbench.runCommand('Run Backprop');
  await panel.locator('.status', { hasText: /^done/ }).waitFor();
  await workbench.screenshot('hostile-messages');
});
