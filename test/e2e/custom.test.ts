// User-written layers in a real VS Code: a wrong backward caught at its elements, a layer that never
// returns, and Restricted Mode, where no custom code is loaded at all.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultVsix, startVSCode, type VSCodeSession } from './harness';
import { scratchExamples } from './workspace';

const sessions: VSCodeSession[] = [];
const folders: string[] = [];

after(async () => {
  for (const s of sessions) await s.close();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

async function open(workspaceTrust: boolean): Promise<{ vscode: VSCodeSession; folder: string }> {
  const folder = scratchExamples();
  folders.push(folder);
  const vscode = await startVSCode({ folder, vsix: [defaultVsix], workspaceTrust, settings: { 'backprop.customLayerTimeoutSeconds': 2 } });
  sessions.push(vscode);
  return { vscode, folder };
}

const problem = (vscode: VSCodeSession, text: string | RegExp) =>
  vscode.workbench.page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();

test('trusted: a subtly wrong backward fails the check on its layer; a looping layer is stopped', async () => {
  const { vscode, folder } = await open(false);
  const { workbench } = vscode;
  await workbench.openFile('swish-wrong.backprop.yaml');
  await workbench.runCommand('Gradient Check');
  const panel = await workbench.findFrame('.status', { hasText: /^done/, timeout: 60_000 });
  assert.match(await panel.locator('table.layers').innerText(), /fail/i);
  await workbench.page.keyboard.press('Control+Shift+M');
  await problem(vscode, /gradient check failed/).waitFor();
  await workbench.screenshot('custom-wrong');

  await workbench.openFile('loop.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  const toast = workbench.page.locator('.notifications-toasts .notification-toast', { hasText: 'did not return within 2 s' });
  await toast.waitFor({ timeout: 30_000 });
  await problem(vscode, /did not return within 2 s/).waitFor();
  await workbench.screenshot('custom-loop');

  // The marker module really loads when trusted, so the untrusted test below can tell.
  await workbench.openFile('marker.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.findFrame('.status', { hasText: /^done/ });
  assert.ok(existsSync(join(folder, 'custom/layers/loaded.marker')));
});

test('Restricted Mode: a custom layer is refused with a clear message and its module is never loaded', async () => {
  const { vscode, folder } = await open(true);
  const { workbench } = vscode;
  await workbench.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).waitFor();
  await workbench.openFile('marker.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.page.keyboard.press('Control+Shift+M');
  await problem(vscode, /Restricted Mode/).waitFor({ timeout: 30_000 });
  await workbench.screenshot('custom-restricted');
  assert.equal(existsSync(join(folder, 'custom/layers/loaded.marker')), false, 'no custom code ran');
  // Everything else still works.
  await workbench.openFile('relu.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.findFrame('.status', { hasText: /^done/ });
});
