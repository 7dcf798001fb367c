// Training speed in the editor beside the headless CLI, on the same spec and machine: the book's
// TwoLayerNet (10,000 steps, batch 100), `backprop train` in a plain node process and "Backprop:
// Train" in code-server with the Train panel on show, in turns, then once with the panel closed.
// Prints the steps per second of each and where the editor's CPU time went, by process. Figures, never timed assertions: the
// machine is shared.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CpuSampler } from './cpu';
import { repoRoot, type VSCodeSession } from './harness';
import { TRAINING_NICE } from '../../src/worker/train';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
let folder = '';
useExamplesInCodeServer((session, examples) => {
  vscode = session;
  folder = examples;
});

const SPEC = 'train-two-layer-net.backprop.yaml';
const STEPS = 10_000;
const ROUNDS = Number(process.env.TRAIN_SPEED_ROUNDS ?? 3);

/**
 * `backprop train --json`: its steps per second, over the training loop's own seconds. `nice` runs
 * it at the training thread's priority, to tell the editor's own cost from the CPU it yields.
 */
async function cliRate(nice = 0): Promise<{ rate: number; testAcc: number }> {
  const cli = [join(repoRoot, 'dist/cli.js'), 'train', join(folder, SPEC), '--json'];
  const [file, args] = nice ? ['nice', ['-n', String(nice), process.execPath, ...cli]] : [process.execPath, cli];
  const { stdout } = await promisify(execFile)(file, args, { maxBuffer: 1 << 20 });
  const done = JSON.parse(stdout.trim().split('\n').at(-1)!) as { kind: string; iterations: number; seconds: number; testAcc: number };
  assert.equal(done.kind, 'done');
  assert.equal(done.iterations, STEPS);
  return { rate: STEPS / done.seconds, testAcc: done.testAcc };
}

/**
 * "Backprop: Train" until the run finishes: its steps per second over the run's time (which includes
 * loading), and the CPU seconds of each process meanwhile. With `closePanel` the Train panel is
 * closed as soon as it shows, so the run streams to no view; it is shown again to read the time.
 */
async function editorRate(closePanel = false): Promise<{ rate: number; cpu: [string, number][] }> {
  const { workbench } = vscode;
  const { page } = workbench;
  await page.locator(`.tabs-container .tab[aria-label^="${SPEC}"]`).first().click();
  const sampler = new CpuSampler();
  await workbench.runCommand('Train');
  let frame = await workbench.findFrame('.status', { hasText: closePanel ? /./ : /finished in/, timeout: 300_000 });
  let cpu: [string, number][];
  if (closePanel) {
    await page.locator('.tabs-container .tab[aria-label^="Train: train-two-layer-net"] .codicon-close').first().click();
    await page.locator('.statusbar-item', { hasText: 'Training train-two-layer-net' }).waitFor({ state: 'hidden', timeout: 300_000 });
    cpu = sampler.stop();
    await page.locator(`.tabs-container .tab[aria-label^="${SPEC}"]`).first().click();
    await workbench.runCommand('Show Training');
    frame = await workbench.findFrame('.status', { hasText: /finished in/, timeout: 30_000 });
  } else cpu = sampler.stop();
  // The line that said "finished in", read again with the same filter: a replay (a page that reloads
  // is sent the whole run again, from its reset on) shows "starting…" for a moment in between.
  const text = (await frame.locator('.status', { hasText: /finished in/ }).first().innerText({ timeout: 30_000 })).replace(/\u00a0/g, ' ');
  const m = /finished in (?:(\d+) min )?([\d.]+) s/.exec(text);
  assert.ok(m, text);
  return { rate: STEPS / (Number(m[1] ?? 0) * 60 + Number(m[2])), cpu };
}

const cpuText = (cpu: [string, number][]) => cpu.map(([who, s]) => `${who} ${s.toFixed(1)} s`).join(', ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('training speed: Train in the editor beside `backprop train` on the same spec', async (t) => {
  await vscode.workbench.openFile(SPEC);
  const ratios: number[] = [];
  const nicedRatios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const headless = await cliRate();
    const inEditor = await editorRate();
    ratios.push(inEditor.rate / headless.rate);
    t.diagnostic(`round ${round}: CLI ${headless.rate.toFixed(0)} steps/s, editor ${inEditor.rate.toFixed(0)} steps/s (${(100 * ratios.at(-1)!).toFixed(0)}%)`);
    t.diagnostic(`  CPU by process during the editor's run: ${cpuText(inEditor.cpu)}`);
    const lowered = await cliRate(TRAINING_NICE);
    nicedRatios.push(inEditor.rate / lowered.rate);
    t.diagnostic(`  CLI at nice ${TRAINING_NICE}, as the training thread: ${lowered.rate.toFixed(0)} steps/s; the editor runs at ${(100 * nicedRatios.at(-1)!).toFixed(0)}% of it`);
  }
  t.diagnostic(`median of ${ROUNDS} rounds: the editor trains at ${(100 * median(ratios)).toFixed(0)}% of the CLI's rate, ${(100 * median(nicedRatios)).toFixed(0)}% of the CLI's at nice ${TRAINING_NICE}`);
  await vscode.workbench.screenshot('train-speed-finished');
  // Where the views' share goes: the same run with no Train panel to stream to.
  const headless = await cliRate();
  const unseen = await editorRate(true);
  t.diagnostic(`Train panel closed: CLI ${headless.rate.toFixed(0)} steps/s, editor ${unseen.rate.toFixed(0)} steps/s (${((100 * unseen.rate) / headless.rate).toFixed(0)}%)`);
  t.diagnostic(`  CPU by process during the editor's run: ${cpuText(unseen.cpu)}`);
});
