// The editor under load and faults, in a real extension host: a thousand runs in a row, an engine
// thread that dies mid-run, and a panel closed while its run streams.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { BackpropApi } from '../../src/extension/extension';
import type { RunEvent } from '../../src/protocol';
import { note } from './report';

let api: BackpropApi;
const scratch = mkdtempSync(join(tmpdir(), 'backprop-faults-'));
const specFile = (name: string, text: string) => {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return vscode.Uri.file(file);
};
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const until = async <T>(f: () => T | undefined, what: string, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

/** A gradient check of a million weights: it takes minutes, so a test can act while it runs. */
const SLOW_CHECK =
  'input: { random: { shape: [32, 512] } }\ntarget: { random: { shape: [32] } }\nlayers:\n' +
  '  - { type: affine, units: 512 }\n  - relu\n'.repeat(4) +
  '  - { type: affine, units: 10 }\nloss: softmax-with-loss\n';

/**
 * Waits until the run of `uri` has streamed its forward pass and the engine is still in the job (the
 * check is far slower). A run that ends first fails the test with its outcome, not a timeout. The
 * wait is long because CI runs the other suites beside this one on two cores.
 */
async function midRun(uri: vscode.Uri, events: RunEvent[], run: Promise<{ outcome: unknown }>): Promise<void> {
  let ended: unknown;
  void run.then(({ outcome }) => (ended = outcome), (e: unknown) => (ended = String(e)));
  await until(() => events.some((e) => e.kind === 'forward') || ended !== undefined, `the forward pass of ${uri.path}`, 45_000);
  assert.equal(ended, undefined, `the run ended before the test could act: ${JSON.stringify(ended)}`);
  assert.ok(api.engineWorkers().some((w) => w.key === uri.toString() && w.running), 'the check still runs');
}

/**
 * A full collection before each reading. The extension host has no --expose-gc, but V8 takes the
 * flag at run time, and a fresh context then has `gc`: the same collector that flag exposes.
 */
function fullCollector(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

/** V8 heap and ArrayBuffer bytes once garbage is gone: collected, or else the least of a few settled samples. */
async function settledMemory(gc: (() => void) | null): Promise<{ heap: number; buffers: number }> {
  if (gc) {
    gc();
    gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return { heap: heapUsed, buffers: arrayBuffers };
  }
  let heap = Infinity;
  let buffers = Infinity;
  for (let i = 0; i < 10; i++) {
    await sleep(300);
    const m = process.memoryUsage();
    heap = Math.min(heap, m.heapUsed);
    buffers = Math.min(buffers, m.arrayBuffers);
  }
  return { heap, buffers };
}

const MB = 1024 * 1024;

describe('The editor under load and faults', function () {
  this.timeout(90_000);

  before(async () => {
    api = await vscode.extensions.getExtension<BackpropApi>('backprop-lens.backprop-lens')!.activate();
  });

  it('1,000 runs in a row of the batch-100 TwoLayerNet grow the host heap by less than 20 MB', async function () {
    this.timeout(240_000);
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'two-layer-net-batch100.backprop.yaml');
    const gc = fullCollector();
    // The first runs open the panel, load the page and warm the code paths: not growth.
    for (let i = 0; i < 20; i++) assert.equal((await api.run(uri)).outcome.status, 'done');
    const before = await settledMemory(gc);
    const started = Date.now();
    const RUNS = 1000;
    for (let i = 0; i < RUNS; i++) {
      const { outcome } = await api.run(uri);
      if (outcome.status !== 'done') assert.fail(`run ${i + 1}: ${JSON.stringify(outcome)}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const after = await settledMemory(gc);
    const heapGrowth = (after.heap - before.heap) / MB;
    const bufferGrowth = (after.buffers - before.buffers) / MB;
    note(
      this.test,
      `${RUNS} runs in ${seconds.toFixed(1)} s (${((seconds * 1000) / RUNS).toFixed(1)} ms a run); heap ${(before.heap / MB).toFixed(1)} → ${(after.heap / MB).toFixed(1)} MB ` +
        `(${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(2)} MB), ArrayBuffers ${bufferGrowth >= 0 ? '+' : ''}${bufferGrowth.toFixed(2)} MB; ` +
        (gc ? 'read after a full GC' : 'no GC to call: the least of 10 settled samples'),
    );
    assert.ok(heapGrowth < 20, `the heap grew by ${heapGrowth.toFixed(1)} MB`);
    assert.ok(bufferGrowth < 20, `ArrayBuffers grew by ${bufferGrowth.toFixed(1)} MB`);
  });

  it('an engine thread killed mid-run fails the run, saying so, and the next run of the spec works', async () => {
    const uri = specFile('killed.backprop.yaml', SLOW_CHECK);
    const streamed: RunEvent[] = [];
    const run = api.run(uri, { check: true, events: streamed });
    await midRun(uri, streamed, run);
    await api.killEngine(uri);
    const { events, outcome } = await run;
    assert.deepEqual(outcome, { status: 'failed', message: 'the engine stopped unexpectedly (exit code 1)', id: 'host.engine.exited', args: { code: '1' } });
    // Killed mid-run: the forward pass had streamed, the check had not finished.
    assert.ok(events.some((e) => e.kind === 'forward'));
    assert.ok(!events.some((e) => e.kind === 'done'));
    assert.ok(!api.engineWorkers().some((w) => w.key === uri.toString()), 'the dead worker was dropped');
    const next = await api.run(uri);
    assert.equal(next.outcome.status, 'done');
  });

  it('closing the panel while its run streams cancels the run, with no error and no worker left', async () => {
    const uri = specFile('closed.backprop.yaml', SLOW_CHECK);
    const streamed: RunEvent[] = [];
    const run = api.run(uri, { check: true, events: streamed });
    await midRun(uri, streamed, run);
    assert.ok(api.openPanels().includes(uri.toString()));
    // The host hears of a new tab from the window a moment after the panel is made.
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const tab = await until(() => tabs().find((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Backprop: closed'), `its tab among ${tabs().map((t) => t.label).join(', ')}`);
    await vscode.window.tabGroups.close(tab);
    // Resolves, rather than rejects or streams on for minutes into a panel that is gone.
    assert.deepEqual((await run).outcome, { status: 'cancelled' });
    assert.ok(!api.openPanels().includes(uri.toString()));
    assert.deepEqual(api.engineWorkers().filter((w) => w.key === uri.toString()), []);
    // The spec still runs, into a new panel.
    assert.equal((await api.run(uri)).outcome.status, 'done');
    assert.ok(api.openPanels().includes(uri.toString()));
  });
});
