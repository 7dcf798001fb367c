// Developer: Reload Window with a run panel open, as a user does it: the restored panel must come
// back painted, every time, and show itself while its spec runs again, not only once the run ended.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session));

const RELOADS = 20;

/** Reloads the window as a person does (the palette command) and waits for the new workbench. */
async function reloadWindow(): Promise<void> {
  const { workbench } = vscode;
  await Promise.all([workbench.page.waitForEvent('load', { timeout: 60_000 }), workbench.runCommand('Developer: Reload Window').catch(() => undefined)]);
  await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
}

test('a restored panel shows while its spec runs again, before the run ends', async () => {
  const { workbench } = vscode;
  await workbench.openFile('custom/slow-forward.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.findFrame('.status', { hasText: /^done/, timeout: 60_000 });
  await reloadWindow();
  // Each forward takes 3 s and the run makes two (the shape probe, then the run): a page that shows
  // only once the host's restore has finished the run never says "running…".
  const frame = await workbench.findFrame('.status', { hasText: 'running…', timeout: 30_000 });
  assert.match(await frame.locator('h1.title').innerText(), /slow-forward\.backprop\.yaml/);
  await frame.locator('.status', { hasText: /^done/ }).waitFor({ timeout: 60_000 });
  await workbench.runCommand('View: Close All Editors');
});

test(`the shop graph's panel comes back painted after each of ${RELOADS} reloads in a row`, async (t) => {
  const { workbench } = vscode;
  await workbench.openFile('buy_apple_orange.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.findFrame('svg.graph', { hasText: '715', timeout: 30_000 });
  const times: number[] = [];
  for (let i = 0; i < RELOADS; i++) {
    const started = Date.now();
    await reloadWindow();
    // The panel was the front tab of its group, so it is revived without a click.
    await workbench.page.locator('.tabs-container .tab.active[aria-label^="Backprop: buy_apple_orange"]').waitFor({ timeout: 30_000 });
    const frame = await workbench.findFrame('svg.graph', { hasText: '715', timeout: 30_000 }).catch(async (error: Error) => {
      throw new Error(`reload ${i + 1}: the panel did not come back painted (${await workbench.screenshot(`restore-blank-${i + 1}`)}): ${error.message}`, { cause: error });
    });
    assert.match(await frame.locator('.graph-wrap').innerText(), /\b650\b/, `reload ${i + 1}: the graph shows tax's gradient`);
    times.push(Date.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  t.diagnostic(`reload → painted graph over ${RELOADS} reloads: median ${sorted[RELOADS >> 1]} ms, max ${sorted[RELOADS - 1]} ms (${times.join(', ')})`);
  await workbench.screenshot('restored-shop-graph');
});

test('a pinned panel comes back pinned, and keeps its spec when another one runs', async () => {
  const { workbench } = vscode;
  await workbench.runCommand('View: Close All Editors');
  await workbench.openFile('buy_apple.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.findFrame('svg.graph', { hasText: '220', timeout: 30_000 });
  // The command is the run panel's: offered while it is the active editor.
  await workbench.page.locator('.tabs-container .tab[aria-label^="Backprop: buy_apple"]').first().click();
  await workbench.runCommand('Pin Run Panel');
  const pinned = workbench.page.locator('.tabs-container .tab[aria-label^="Backprop: buy_apple (pinned)"]');
  await pinned.waitFor({ timeout: 10_000 });
  await reloadWindow();
  await pinned.waitFor({ timeout: 30_000 });
  // Pinned, it is not the preview another spec's run turns over: that one gets a panel of its own.
  await workbench.openFile('buy_apple_orange.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.page.locator('.tabs-container .tab[aria-label^="Backprop: buy_apple_orange"]').waitFor({ timeout: 30_000 });
  assert.equal(await pinned.count(), 1, 'the pinned panel still shows buy_apple');
  await workbench.runCommand('View: Close All Editors');
});
