// The book's own Python classes in a real VS Code: a subtly wrong Sigmoid.backward caught at its
// elements, the seed's in-place Relu warned about on its line, and Restricted Mode, where no Python
// process starts at all.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** A scratch copy of the examples with a Sigmoid whose backward forgets (1 − out), and a spec that uses it. */
async function open(restricted: boolean): Promise<VSCodeSession> {
  const folder = scratchExamples();
  folders.push(folder);
  const python = join(folder, 'python');
  const seed = readFileSync(join(python, 'seed_layers.py'), 'utf8');
  const wrong = seed.replace('dx = dout * (1.0 - self.out) * self.out', 'dx = dout * self.out');
  assert.notEqual(wrong, seed);
  writeFileSync(join(python, 'wrong_layers.py'), wrong);
  writeFileSync(join(python, 'wrong-sigmoid.backprop.yaml'), readFileSync(join(python, 'relu-sigmoid.backprop.yaml'), 'utf8').replaceAll('./seed_layers.py', './wrong_layers.py'));
  const vscode = await startVSCode({ folder, vsix: [defaultVsix], workspaceTrust: restricted });
  sessions.push(vscode);
  return vscode;
}

const problem = (vscode: VSCodeSession, text: string | RegExp) => vscode.workbench.page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();

/** Bridge processes running now. */
function bridges(): number {
  try {
    return execFileSync('pgrep', ['-f', 'bridge.py'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

test("trusted: the wrong Sigmoid's dx fails its check at its elements; the seed's Relu is warned about on its line", async () => {
  const vscode = await open(false);
  const { workbench } = vscode;
  await workbench.openFile('wrong-sigmoid.backprop.yaml');
  await workbench.runCommand('Gradient Check');
  const panel = await workbench.findFrame('.status', { hasText: /^done/, timeout: 90_000 });
  const row = panel.locator('.check-overview tr', { hasText: 'Sigmoid1' });
  await row.first().waitFor();
  assert.match(await row.first().innerText(), /dx/);
  assert.match(await panel.locator('.check-overview').innerText(), /fail/i);
  await workbench.page.keyboard.press('Control+Shift+M');
  await problem(vscode, /Relu1\.backward changed its input dout at \d+ elements; return a new array/).waitFor({ timeout: 30_000 });
  await workbench.screenshot('python-wrong-sigmoid');
});

test('Restricted Mode: python layers are refused on their lines, and no Python process starts', async () => {
  const before = bridges();
  const vscode = await open(true);
  const { workbench } = vscode;
  await workbench.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).waitFor();
  await workbench.openFile('wrong-sigmoid.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  await workbench.page.keyboard.press('Control+Shift+M');
  await problem(vscode, /python layers run code from the workspace/).waitFor({ timeout: 30_000 });
  await workbench.screenshot('python-restricted');
  assert.equal(bridges(), before, 'no bridge.py was started');
});
