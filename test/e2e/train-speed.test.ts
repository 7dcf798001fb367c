// Training speed in the editor beside the headless CLI, on the same spec and machine: the book's
// TwoLayerNet (10,000 steps, batch 100), `backprop train` in a plain node process and "Backprop:
// Train" in code-server with the Train panel on show, in turns. Prints the steps per second of
// each and where the editor's CPU time went, by process. Figures, never timed assertions: the
// machine is shared.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CpuSampler } from './cpu';
import { repoRoot, type VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
let folder = '';
useExamplesInCodeServer((session, examples) => {
  vscode = session;
  folder = examples;
});

const SPEC = 'train-two-layer-net.backprop.yaml';
const STEPS = 10_000;
const ROUNDS = Number(process.env.TRAIN_SPEED_ROUNDS ?? 2);

/** `backprop train --json`: its steps per second, over the training loop's own seconds. */
async function cliRate(): Promise<{ rate: number; testAcc: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'dist/cli.js'), 'train', join(folder, SPEC), '--json'], { maxBuffer: 1 << 20 });
  const done = JSON.parse(stdout.trim().split('\n').at(-1)!) as { kind: string; iterations: number; seconds: number; testAcc: number };
  assert.equal(done.kind, 'done');
  assert.equal(done.iterations, STEPS);
  return { rate: STEPS / done.seconds, testAcc: done.testAcc };
}

/** "Backprop: Train" until the panel says it finished: its steps per second over the run's time, which includes loading. */
async function editorRate(): Promise<{ rate: number; cpu: [string, number][] }> {
  const { workbench } = vscode;
  await workbench.page.locator(`.tabs-container .tab[aria-label^="${SPEC}"]`).first().click();
  const sampler = new CpuSampler();
  await workbench.runCommand('Train');
  const frame = await workbench.findFrame('.status', { hasText: /finished in/, timeout: 300_000 });
  const cpu = sampler.stop();
  const text = (await frame.locator('.status').innerText()).replace(/\u00a0/g, ' ');
  const m = /finished in (?:(\d+) min )?([\d.]+) s/.exec(text);
  assert.ok(m, text);
  return { rate: STEPS / (Number(m[1] ?? 0) * 60 + Number(m[2])), cpu };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('training speed: Train in the editor beside `backprop train` on the same spec', async (t) => {
  await vscode.workbench.openFile(SPEC);
  const cli: number[] = [];
  const editor: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const headless = await cliRate();
    cli.push(headless.rate);
    const inEditor = await editorRate();
    editor.push(inEditor.rate);
    t.diagnostic(`round ${round}: CLI ${headless.rate.toFixed(0)} steps/s, editor ${inEditor.rate.toFixed(0)} steps/s (${((100 * inEditor.rate) / headless.rate).toFixed(0)}%)`);
    t.diagnostic(`  editor CPU by process during the run: ${inEditor.cpu.map(([who, s]) => `${who} ${s.toFixed(1)} s`).join(', ')}`);
  }
  const [c, e] = [median(cli), median(editor)];
  t.diagnostic(`median of ${ROUNDS}: CLI ${c.toFixed(0)} steps/s, editor ${e.toFixed(0)} steps/s, ${((100 * e) / c).toFixed(0)}% of the CLI`);
  await vscode.workbench.screenshot('train-speed-finished');
});
