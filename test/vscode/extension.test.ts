// The extension in a real extension host: commands, runs through the worker, diagnostics, cancel.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { BackpropApi } from '../../src/extension/extension';
import type { RunEvent } from '../../src/protocol';
import { readNpz } from '../../src/spec/npz';

let api: BackpropApi;
const examples = () => vscode.workspace.workspaceFolders![0].uri;
const example = (name: string) => vscode.Uri.joinPath(examples(), name);
const scratch = mkdtempSync(join(tmpdir(), 'backprop-vscode-'));
const specFile = (name: string, text: string) => {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return vscode.Uri.file(file);
};
const ofKind = <K extends RunEvent['kind']>(events: RunEvent[], kind: K) =>
  events.filter((e): e is Extract<RunEvent, { kind: K }> => e.kind === kind);

describe('Backprop Lens in the extension host', function () {
  this.timeout(60_000);

  before(async () => {
    const extension = vscode.extensions.getExtension<BackpropApi>('backprop-lens.backprop-lens');
    assert.ok(extension, 'backprop-lens.backprop-lens is not installed');
    api = await extension.activate();
  });

  it('registers Run Backprop and Gradient Check', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('backprop.run'));
    assert.ok(commands.includes('backprop.check'));
  });

  it('streams a network run layer by layer, with tensors as ArrayBuffers', async () => {
    const { events, outcome } = await api.run(example('two-layer-net.backprop.json'), { check: true });
    assert.deepEqual(outcome.status, 'done');
    assert.deepEqual(
      events.map((e) => e.kind + ('index' in e ? e.index : '')),
      ['start', 'forward0', 'forward1', 'forward2', 'loss', 'backward2', 'backward1', 'backward0', 'check0', 'check0', 'check0', 'check1', 'check2', 'check2', 'check2', 'findings', 'done'],
    );
    const [start] = ofKind(events, 'start');
    assert.deepEqual(
      start.layers.map((l) => [l.name, l.inShape, l.outShape, l.paramCount]),
      [['Affine1', [2, 3], [2, 4], 16], ['Relu1', [2, 4], [2, 4], 0], ['Logits', [2, 4], [2, 2], 10]],
    );
    const relu = ofKind(events, 'forward')[1];
    assert.ok(relu.activation.buffer instanceof ArrayBuffer);
    assert.equal(new Float64Array(relu.activation.buffer).length, 8);
    assert.ok(relu.mask && relu.maskStats);
    assert.ok(ofKind(events, 'check').every((c) => c.result.ok));
    assert.ok(api.openPanels().includes(example('two-layer-net.backprop.json').toString()));
  });

  it("Open Example opens an examples folder's own file, rather than copying the examples into it", async () => {
    await vscode.commands.executeCommand('backprop.openExample', 'examples/relu.backprop.yaml');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, example('relu.backprop.yaml').fsPath);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.joinPath(examples(), 'backprop-examples'))), 'nothing was copied');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('evaluates the shop graph with the seed figures', async () => {
    const { events } = await api.run(example('buy_apple_orange.backprop.yaml'));
    const [graph] = ofKind(events, 'graph');
    const node = (name: string) => graph.nodes.find((n) => n.name === name)!;
    assert.equal(node('price').value, 715.0000000000001);
    assert.equal(node('tax').grad, 650);
    assert.equal(node('orange').grad, 3.3000000000000003);
  });

  it('Save Run runs the spec into its panel and writes that run as an .npz, the same tensors the panel got', async () => {
    const spec = example('two-layer-net.backprop.json');
    const to = vscode.Uri.file(join(scratch, 'saved-run.npz'));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('backprop.saveRun', spec, to);
    assert.equal(written?.toString(), to.toString());
    assert.ok(api.openPanels().includes(spec.toString()));
    const read = readNpz(readFileSync(to.fsPath));
    assert.ok('arrays' in read, JSON.stringify(read));
    assert.deepEqual(
      [...read.arrays.keys()].filter((k) => k.startsWith('Affine1/')),
      ['Affine1/out', 'Affine1/x', 'Affine1/W', 'Affine1/b', 'Affine1/dout', 'Affine1/dx', 'Affine1/dW', 'Affine1/db'],
    );
    // Runs are seeded: a run now streams the very values saved.
    const { events } = await api.run(spec);
    const dW = ofKind(events, 'backward').find((e) => e.index === 0)!.grads[0].grad;
    assert.deepEqual(read.arrays.get('Affine1/dW')?.shape, dW.shape);
    assert.deepEqual([...read.arrays.get('Affine1/dW')!.data], [...new Float64Array(dW.buffer)]);
  });

  it('Pin as Baseline keeps the run of the spec; Open Saved Run as Baseline… takes an .npz; Clear Baseline forgets it', async () => {
    const spec = specFile('baseline.backprop.yaml', readFileSync(example('two-layer-net.backprop.yaml').fsPath, 'utf8'));
    assert.equal(await vscode.commands.executeCommand('backprop.pinBaseline', spec), true);
    const pinned = await api.baseline(spec);
    assert.ok(pinned, 'a baseline after Pin');
    assert.match(pinned.label, /^run of /);
    // The baseline is the run the panel shows (runs are seeded): Affine1's dW element for element.
    const { events } = await api.run(spec);
    const dW = ofKind(events, 'backward').find((e) => e.index === 0)!.grads[0].grad;
    const kept = pinned.tensors.find((t) => t.name === 'Affine1/dW')?.tensor;
    assert.deepEqual(kept?.shape, dW.shape);
    assert.deepEqual([...new Float64Array(kept!.buffer)], [...new Float64Array(dW.buffer)]);
    assert.ok(!pinned.tensors.some((t) => t.name === 'Affine1/W'), 'weights are not what the panel compares');

    const saved = vscode.Uri.file(join(scratch, 'for-baseline.npz'));
    assert.equal((await vscode.commands.executeCommand<vscode.Uri | undefined>('backprop.saveRun', spec, saved))?.toString(), saved.toString());
    assert.equal(await vscode.commands.executeCommand('backprop.openBaseline', spec, saved), true);
    assert.equal((await api.baseline(spec))?.label, 'for-baseline.npz');
    const junk = vscode.Uri.file(join(scratch, 'junk.npz'));
    writeFileSync(junk.fsPath, 'not a zip');
    assert.equal(await vscode.commands.executeCommand('backprop.openBaseline', spec, junk), false);
    assert.equal((await api.baseline(spec))?.label, 'for-baseline.npz', 'a file that is no run leaves the baseline as it was');

    await vscode.commands.executeCommand('backprop.clearBaseline', spec);
    assert.equal(await api.baseline(spec), null);
  });

  it('puts spec errors in Problems on the right line and runs nothing', async () => {
    const uri = specFile('broken.backprop.yaml', 'input: { data: [[1, 2]] }\nlayers:\n  - relux\n');
    const { events, outcome } = await api.run(uri);
    assert.deepEqual(outcome, { status: 'problems', errors: 1 });
    assert.deepEqual(events, []);
    const [d] = vscode.languages.getDiagnostics(uri);
    assert.equal(d.range.start.line, 2);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.match(d.message, /unknown layer type 'relux' — did you mean 'relu'\?/);
    assert.ok(!api.openPanels().includes(uri.toString()), 'no panel for a spec that did not run');
  });

  it('a new run of the same spec cancels the old one', async () => {
    const uri = example('two-layer-net.backprop.yaml');
    const slow = api.run(uri, { check: true });
    await new Promise((r) => setTimeout(r, 300));
    const fast = api.run(uri);
    assert.deepEqual((await slow).outcome, { status: 'cancelled' });
    assert.equal((await fast).outcome.status, 'done');
  });

  it('refuses a run too large for memory before it allocates anything, and the next run works', async () => {
    // Valid, but Affine1's output of 4e10 elements is far past limits.maxBytes: refused from the shapes.
    const huge = specFile('huge.backprop.yaml', 'limits: { maxElements: 1e12 }\ninput: { random: { shape: [200000, 1] } }\nlayers: [ { type: affine, units: 200000 } ]\n');
    const refused = await api.run(huge);
    assert.equal(refused.outcome.status, 'problems');
    assert.match((refused.outcome as { first: string }).first, /would need about 320 GB .*limits\.maxBytes/);
    const next = await api.run(example('relu.backprop.yaml'));
    assert.equal(next.outcome.status, 'done');
  });

  it('reports an engine failure (a custom layer that throws) and the next run works', async () => {
    writeFileSync(join(scratch, 'throws.js'), 'let calls = 0;\nmodule.exports = { forward(x) { if (++calls >= 2) throw new RangeError("index 7 out of range"); return x; }, backward(d) { return d; } };\n');
    const failed = await api.run(specFile('throws.backprop.yaml', 'input: { data: [[1, 2]] }\nlayers:\n  - { type: custom, module: ./throws.js }\n'));
    assert.deepEqual(failed.outcome, {
      status: 'failed',
      message: 'Throws1.forward threw: index 7 out of range',
      id: 'engine.custom.threw',
      args: { layer: 'Throws1', method: 'forward', reason: 'index 7 out of range' },
      layer: 0,
    });
    const next = await api.run(example('relu.backprop.yaml'));
    assert.equal(next.outcome.status, 'done');
  });

  it('trains from the command: a Train panel, the run to its end, and a Train CodeLens above train:', async () => {
    const uri = example('train-two-layer-net.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const train = lenses.find((l) => l.command?.command === 'backprop.train');
    assert.ok(train, 'no Train lens');
    assert.match(doc.lineAt(train.range.start.line).text, /^train:/);

    const small = specFile('small-train.backprop.yaml', doc.getText().replace('iterations: 10000', 'iterations: 50').replace('every: epoch', 'every: 25'));
    await vscode.commands.executeCommand('backprop.train', small);
    assert.ok(api.openTrainPanels().includes(small.toString()), 'no Train panel');
    const session = await api.train(small);
    assert.ok(session);
    const status = await session.ended;
    assert.equal(status.state, 'finished');
    assert.deepEqual(session.history?.evals.map((e) => e.step), [25, 50]);
    // 50 steps of the book's run: well above chance (0.1), far from done (the run is seeded: 0.4925).
    assert.ok((session.history!.evals[1].testAcc ?? NaN) > 0.3, `test accuracy ${session.history!.evals[1].testAcc}`);
  });

  it('Cancel Training stops a long run at once and keeps what it had', async () => {
    const session = await api.train(example('train-two-layer-net.backprop.yaml'));
    assert.ok(session);
    while (session.position.step < 20) await new Promise((r) => setTimeout(r, 20));
    const stepsBefore = session.position.step;
    await vscode.commands.executeCommand('backprop.cancelTraining');
    assert.equal(session.status.state, 'cancelled');
    await session.exited;
    assert.ok(session.history!.loss.length >= Math.min(stepsBefore, 20), 'the curve was lost');
    assert.ok(session.ring.size >= 1, 'the snapshots were lost');
  });

  it('refuses to train a spec without train:, saying how to add one', async () => {
    assert.equal(await api.train(example('relu.backprop.yaml')), undefined);
  });

  it('stops a custom layer that never returns after backprop.customLayerTimeoutSeconds, in a run, a check and training', async function () {
    this.timeout(120_000);
    const config = vscode.workspace.getConfiguration('backprop');
    await config.update('customLayerTimeoutSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      // Loops from its n-th forward: 1 is the shape probe at load, 2 the run's forward, later ones the check's or training's.
      const loopFrom = (n: number) => `let calls = 0;\nmodule.exports = { forward(x) { if (++calls >= ${n}) for (;;) {} return { shape: x.shape, data: x.data.slice() }; }, backward(d) { return d; } };\n`;
      const spec = (module: string) => `input: { data: [[1, -2, 0.5]] }\ntarget: { labels: [1] }\nlayers:\n  - { type: affine, units: 3 }\n  - { type: custom, module: ./${module} }\n  - { type: affine, units: 2 }\nloss: softmax-with-loss\ntrain: { iterations: 100, batch: 1 }\n`;
      for (const [module, n] of [['loop-run.js', 2], ['loop-check.js', 3], ['loop-train.js', 20]] as const) writeFileSync(join(scratch, module), loopFrom(n));

      const run = await api.run(specFile('loop-run.backprop.yaml', spec('loop-run.js')));
      assert.deepEqual(run.outcome, { status: 'failed', layer: 1, message: 'LoopRun1.forward did not return within 1 s, so the engine was stopped', id: 'engine.call.overrun', args: { call: 'LoopRun1.forward', seconds: '1' } });
      const check = await api.run(specFile('loop-check.backprop.yaml', spec('loop-check.js')), { check: true });
      assert.deepEqual(check.outcome, { status: 'failed', layer: 1, message: 'LoopCheck1 (check) did not return within 1 s, so the engine was stopped', id: 'engine.call.overrun', args: { call: 'LoopCheck1 (check)', seconds: '1' } });
      const session = await api.train(specFile('loop-train.backprop.yaml', spec('loop-train.js')));
      assert.ok(session);
      assert.deepEqual(await session.ended, { state: 'failed', message: 'LoopTrain1.forward did not return within 1 s, so the engine was stopped' });
    } finally {
      await config.update('customLayerTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
