// Editor features in a real extension host: hovers, live diagnostics and findings, CodeLens, quick
// fixes and completion, through VS Code's own provider commands; and a fuzz of the providers.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { BackpropApi } from '../../src/extension/extension';
import { SpecCompletions, SpecHovers, SpecLenses } from '../../src/extension/editor';
import { SpecIndex } from '../../src/extension/specs';
import { RunStore } from '../../src/extension/store';
import { Rng } from '../../src/engine/rng';
import { fmtFull } from '../../src/format';

let api: BackpropApi;
const scratch = mkdtempSync(join(tmpdir(), 'backprop-editor-'));
const examples = () => vscode.workspace.workspaceFolders![0].uri;
/** A copy of an example in a scratch folder, so edits never touch the repository. */
const copyOf = (name: string, as = name.split('/').pop()!) => {
  const file = join(scratch, as);
  writeFileSync(file, readFileSync(vscode.Uri.joinPath(examples(), name).fsPath));
  return vscode.Uri.file(file);
};
const hoverText = async (uri: vscode.Uri, pos: vscode.Position) => {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos);
  // Markdown keeps runs of spaces as &nbsp;; read it as a person sees it.
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n').replace(/&nbsp;/g, ' ');
};
const lineOf = (doc: vscode.TextDocument, text: string) => doc.getText().split('\n').findIndex((l) => l.includes(text));
const until = async <T>(f: () => T | undefined, what: string, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('Editor features', function () {
  this.timeout(60_000);

  before(async () => {
    api = await vscode.extensions.getExtension<BackpropApi>('backprop-lens.backprop-lens')!.activate();
  });

  it('hovers a layer: static shapes before a run, statistics after, stale after an edit', async () => {
    const uri = copyOf('two-layer-net.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const relu = new vscode.Position(lineOf(doc, '- relu'), 5);
    const before = await hoverText(uri, relu);
    assert.match(before, /Relu1/);
    assert.match(before, /relu · 3×50 → 3×50 · 0 params/);
    assert.match(before, /Run Backprop to see/);

    await api.run(uri);
    const after = await hoverText(uri, relu);
    assert.match(after, /\| activation \|/);
    assert.match(after, /dead \d/);
    assert.match(after, /Show in side panel/);
    const affine = await hoverText(uri, new vscode.Position(lineOf(doc, 'units: 50'), 8));
    assert.match(affine, /‖dW‖/);
    assert.match(affine, /‖dW‖\/‖W‖/);
    // Negative figures (Affine1's output has some) use a non-breaking hyphen, so no line breaks inside a number.
    assert.match(affine, /\u2011\d/);
    // Links carry the spec's path, whose temporary folder may hold "-7"; only the text is judged.
    assert.doesNotMatch(affine.replace(/\]\([^)]*\)/g, ']'), /-\d/);

    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), '# edited\n');
    await vscode.workspace.applyEdit(edit);
    assert.match(await hoverText(uri, relu.translate(1)), /changed since/);
  });

  it('hovers a graph node with its value and gradient', async () => {
    const uri = copyOf('buy_apple_orange.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await api.run(uri);
    const text = await hoverText(uri, new vscode.Position(lineOf(doc, 'name: price,'), 10));
    assert.match(text, /price/);
    assert.match(text, /= 715\.0000000000001/);
  });

  it('hovers a key with its schema description', async () => {
    const uri = copyOf('two-layer-net.backprop.yaml', 'keys.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = await hoverText(uri, new vscode.Position(lineOf(doc, 'seed:'), 1));
    assert.match(text, /seed/i);
  });

  it('shows spec errors live while typing, on the exact range', async () => {
    const uri = copyOf('relu.backprop.yaml', 'typing.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const line = lineOf(doc, '- relu');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(line, doc.lineAt(line).text.length), 'x');
    await vscode.workspace.applyEdit(edit);
    const [d] = await until(() => {
      const ds = vscode.languages.getDiagnostics(uri).filter((x) => x.severity === vscode.DiagnosticSeverity.Error);
      return ds.length ? ds : undefined;
    }, 'a live diagnostic');
    assert.match(d.message, /unknown layer type 'relux' — did you mean 'relu'\?/);
    assert.equal(d.range.start.line, line);
  });

  it('reports dead ReLUs after a run, and the He-init quick fix edits the spec', async () => {
    const uri = copyOf('broken/dead-relu.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await api.run(uri);
    const relu = lineOf(doc, '- relu');
    const dead = await until(() => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'dead-relu'), 'a dead-relu finding');
    assert.equal(dead.range.start.line, relu);
    assert.equal(dead.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(dead.message, /Relu1/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, dead.range, vscode.CodeActionKind.QuickFix.value);
    const he = actions.find((a) => /He init/.test(a.title));
    assert.ok(he?.edit, `a He-init fix among: ${actions.map((a) => a.title).join(', ')}`);
    await vscode.workspace.applyEdit(he.edit);
    assert.match(doc.lineAt(lineOf(doc, 'units: 30')).text, /init: he/);
    const rerun = await api.run(uri);
    assert.equal(rerun.outcome.status, 'done');
    assert.equal(vscode.languages.getDiagnostics(uri).find((d) => d.code === 'dead-relu'), undefined, 'fixed');
  });

  it('Fix all: a quick fix on any finding and a source.fixAll action, the same edits; after them the rerun finds nothing', async () => {
    const uri = copyOf('broken/exploding-init.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    await api.run(uri);
    const findings = await until(() => {
      const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.code === 'exploding');
      return ds.length === 4 ? ds : undefined;
    }, 'four exploding findings');
    const quick = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, findings[2].range, vscode.CodeActionKind.QuickFix.value);
    const all = quick.find((a) => a.title === 'Fix all findings in this spec (4 changes)');
    assert.ok(all?.edit, `Fix all among: ${quick.map((a) => a.title).join(', ')}`);
    assert.equal(quick.filter((a) => a.title.startsWith('Use ')).length, 1, 'its own fix too');
    const source = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(0, 0, 0, 0), vscode.CodeActionKind.SourceFixAll.value);
    assert.deepEqual(source.map((a) => [a.title, a.kind?.value]), [['Fix all findings in this spec (4 changes)', 'source.fixAll']]);
    assert.deepEqual(source[0].edit?.entries().map(([, edits]) => edits.map((e) => e.newText)), all.edit.entries().map(([, edits]) => edits.map((e) => e.newText)));
    await vscode.workspace.applyEdit(all.edit);
    assert.deepEqual(doc.getText().split('\n').filter((l) => l.includes('type: affine')), [
      '  - { type: affine, units: 64, init: he }',
      '  - { type: affine, units: 64, init: he }',
      '  - { type: affine, units: 64, init: he }',
      '  - { type: affine, units: 10, init: { std: 0.01 } }',
    ]);
    const rerun = await api.run(uri);
    assert.equal(rerun.outcome.status, 'done');
    assert.deepEqual(rerun.events.flatMap((e) => (e.kind === 'findings' ? e.findings : [])), []);
    await until(() => (vscode.languages.getDiagnostics(uri).some((d) => d.code === 'exploding') ? undefined : true), 'the findings gone');
  });

  it('a did-you-mean on an unknown key or layer type is a quick fix', async () => {
    const uri = copyOf('relu.backprop.yaml', 'typo-fix.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const text = doc.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(text.length)), text.replace('- relu', '- relux') + 'sed: 1\n');
    await vscode.workspace.applyEdit(edit);
    for (const [wrong, right] of [['relux', 'relu'], ['sed', 'seed']]) {
      const d = await until(() => vscode.languages.getDiagnostics(uri).find((x) => x.message.includes(`'${wrong}'`)), `the '${wrong}' problem`);
      assert.match(d.message, new RegExp(`did you mean '${right}'`));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((a) => a.title === `Change '${wrong}' to '${right}'`);
      assert.ok(fix?.edit, `among: ${actions.map((a) => a.title).join(', ')}`);
      await vscode.workspace.applyEdit(fix.edit);
      await until(() => (vscode.languages.getDiagnostics(uri).some((x) => x.message.includes(`'${wrong}'`)) ? undefined : true), `the '${wrong}' problem gone`);
    }
    assert.equal(doc.getText(), `${text}seed: 1\n`);
  });

  it('closing a spec takes its last run\'s findings off the Problems view', async () => {
    const uri = copyOf('broken/dead-relu.backprop.yaml', 'tab-closed.backprop.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await api.run(uri);
    await until(() => vscode.languages.getDiagnostics(uri).find((d) => d.code === 'dead-relu'), 'a dead-relu finding');
    await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await until(() => (vscode.languages.getDiagnostics(uri).length === 0 ? true : undefined), 'no diagnostics once closed');
  });

  it('CodeLens: run, check and debug above the spec, a summary above each layer after a run', async () => {
    const uri = copyOf('two-layer-net.backprop.json', 'lens.backprop.json');
    await vscode.workspace.openTextDocument(uri);
    const titles = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)).map((l) => l.command?.title ?? '');
    assert.deepEqual(await titles(), ['▶ Run Backprop', 'Gradient check', 'Debug']);
    await api.run(uri, { check: true });
    const after = await titles();
    assert.equal(after.length, 7);
    assert.match(after[3], /^‖dW‖ [\d.e-]+ · check ok$/);
    assert.match(after[4], /^‖dx‖ [\d.e-]+ · dead [\d.]+% · check ok$/);
    assert.match(after[6], /^loss [\d.e-]+ · dx = \(y − t\)\/N$/);
  });

  it('the loss: line: a CodeLens with the loss after a run, and a hover with its value, y, t and dx = (y − t)/N; both say when stale', async () => {
    const uri = copyOf('two-layer-net.backprop.json', 'loss-line.backprop.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    const lossAt = new vscode.Position(lineOf(doc, '"loss"'), 15);
    assert.match(await hoverText(uri, lossAt), /Run Backprop to see the loss value/);
    const { outcome } = await api.run(uri);
    assert.ok(outcome.status === 'done' && outcome.loss !== null);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const lens = lenses.find((l) => l.command?.title.startsWith('loss '));
    assert.ok(lens, 'a lens on the loss line');
    assert.equal(lens.range.start.line, lossAt.line);
    assert.deepEqual(lens.command?.arguments, [uri.toString(), 3]);
    const hover = await hoverText(uri, lossAt);
    // The hover escapes the type as Markdown text.
    assert.match(hover, /\*\*SoftmaxWithLoss\*\* · softmax\\-with\\-loss/);
    assert.ok(hover.includes(`loss = ${fmtFull(outcome.loss).replace(/-/g, '\u2011')}`), hover);
    // Two rows, labels [1, 0]: t has one 1 per row, so its mean over 4 elements is 0.5.
    assert.match(hover, /\| targets t \| 0\.5 \| 0\.5 \| 0 \| 1 \|/);
    assert.match(hover, /\| dx = \(y − t\)\/N \|/);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 1), ' ');
    await vscode.workspace.applyEdit(edit);
    assert.match(await hoverText(uri, lossAt), /the spec has changed since/);
    const stale = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.ok(stale.some((l) => /^loss .* \(stale\)$/.test(l.command?.title ?? '')));
  });

  it('completes layer types and keys from the schema', async () => {
    const uri = copyOf('relu.backprop.yaml', 'complete.backprop.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = lineOf(doc, '- relu');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(line + 1, 0), '  - { type: ');
    await vscode.workspace.applyEdit(edit);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(line + 1, 12));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const t of ['affine', 'relu', 'sigmoid', 'tanh', 'dropout']) assert.ok(labels.includes(t), `${t} in ${labels.join(', ')}`);
  });

  it('fuzz: providers never throw on random edits of the examples (slowest answers printed; goal 50 ms)', async function () {
    const specs = new SpecIndex();
    const store = new RunStore();
    const hovers = new SpecHovers(specs, store);
    const lenses = new SpecLenses(specs, store);
    const completions = new SpecCompletions();
    const rng = new Rng(20261128);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)];
    const sources = ['two-layer-net.backprop.yaml', 'two-layer-net.backprop.json', 'buy_apple_orange.backprop.yaml', 'broken/exploding-init.backprop.yaml'];
    const debris = ['{', '}', '[', ']', ':', '-', ' ', '\n', '"', "'", 'relu', 'units: ', '  - ', '#', ',', 'é', '\t', '*a', '&a ', '!!'];
    const slowest = { hover: 0, codeLens: 0, completion: 0 };
    let calls = 0;
    const timed = (what: keyof typeof slowest, f: () => unknown) => {
      const start = performance.now();
      f();
      slowest[what] = Math.max(slowest[what], performance.now() - start);
    };
    for (const source of sources) {
      const uri = copyOf(source, `fuzz-${source.replace('/', '-')}`);
      const doc = await vscode.workspace.openTextDocument(uri);
      // The providers see a real last run, so run-dependent branches are fuzzed too.
      const { events } = await api.run(uri);
      store.begin(uri);
      for (const e of events) store.add(uri, e);
      for (let round = 0; round < 40; round++) {
        const text = doc.getText();
        const at = Math.floor(rng.next() * (text.length + 1));
        const len = Math.floor(rng.next() * 8);
        const edit = new vscode.WorkspaceEdit();
        edit.replace(uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + len)), rng.next() < 0.3 ? '' : pick(debris));
        await vscode.workspace.applyEdit(edit);
        for (let probe = 0; probe < 5; probe++) {
          const pos = doc.positionAt(Math.floor(rng.next() * (doc.getText().length + 1)));
          timed('hover', () => hovers.provideHover(doc, pos));
          timed('codeLens', () => lenses.provideCodeLenses(doc));
          timed('completion', () => completions.provideCompletionItems(doc, pos));
          calls++;
        }
      }
    }
    // A figure, not an assertion (the machine is shared and timings are noisy): the report prints titles.
    this.test!.title += `: slowest over ${calls} rounds ${JSON.stringify(slowest, (_, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))} ms`;
  });
});
