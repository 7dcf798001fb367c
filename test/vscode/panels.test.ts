// Where run panels go: one panel, in one group, shows the spec run last (as an editor preview does),
// whichever editor column the run came from; a pinned panel keeps its spec.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { BackpropApi } from '../../src/extension/extension';

let api: BackpropApi;
const example = (name: string) => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The run panels' tabs as the window has them: label and group. */
function panelTabs(): { label: string; column: vscode.ViewColumn }[] {
  return vscode.window.tabGroups.all.flatMap((g) =>
    g.tabs.filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('backprop.panel')).map((t) => ({ label: t.label, column: g.viewColumn })),
  );
}

/** The tabs once they read `labels` (the window tells the host of tab changes a moment later). */
async function tabsSettle(labels: string[]): Promise<{ label: string; column: vscode.ViewColumn }[]> {
  const want = [...labels].sort().join(', ');
  for (const end = Date.now() + 5_000; Date.now() < end; await sleep(20)) {
    if (panelTabs().map((t) => t.label).sort().join(', ') === want) break;
  }
  return panelTabs();
}

/** Runs `name` from an editor in `column`, as Run Backprop in that editor does. */
async function runFrom(name: string, column: vscode.ViewColumn): Promise<void> {
  const uri = example(name);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { viewColumn: column });
  assert.equal((await api.run(uri)).outcome.status, 'done', name);
}

describe('Run panels', function () {
  this.timeout(60_000);

  before(async () => {
    api = await vscode.extensions.getExtension<BackpropApi>('backprop-lens.backprop-lens')!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('four specs run from two columns leave one unpinned panel, in one group, showing the last', async () => {
    await runFrom('relu.backprop.yaml', vscode.ViewColumn.One);
    await runFrom('sigmoid.backprop.yaml', vscode.ViewColumn.Two);
    await runFrom('buy_apple.backprop.yaml', vscode.ViewColumn.One);
    await runFrom('buy_apple_orange.backprop.yaml', vscode.ViewColumn.Two);
    const tabs = await tabsSettle(['Backprop: buy_apple_orange']);
    assert.deepEqual(tabs.map((t) => t.label), ['Backprop: buy_apple_orange']);
    assert.deepEqual(api.openPanels(), [example('buy_apple_orange.backprop.yaml').toString()]);
    assert.equal(vscode.window.tabGroups.all.length, 2, 'no column beyond the two the specs are in');
    // Never over the spec it shows: the run came from column Two.
    assert.equal(tabs[0].column, vscode.ViewColumn.One);
  });

  it('a pinned panel keeps its spec; other specs get one panel of their own, in the same group', async () => {
    const orange = example('buy_apple_orange.backprop.yaml');
    await vscode.commands.executeCommand('backprop.pinPanel', orange);
    assert.deepEqual((await tabsSettle(['Backprop: buy_apple_orange (pinned)'])).map((t) => t.label), ['Backprop: buy_apple_orange (pinned)']);
    await runFrom('relu.backprop.yaml', vscode.ViewColumn.Two);
    await runFrom('sigmoid.backprop.yaml', vscode.ViewColumn.Two);
    const tabs = await tabsSettle(['Backprop: buy_apple_orange (pinned)', 'Backprop: sigmoid']);
    assert.deepEqual(tabs.map((t) => t.label).sort(), ['Backprop: buy_apple_orange (pinned)', 'Backprop: sigmoid']);
    assert.deepEqual(api.openPanels().sort(), [orange.toString(), example('sigmoid.backprop.yaml').toString()].sort());
    assert.equal(new Set(tabs.map((t) => t.column)).size, 1, `one group: ${JSON.stringify(tabs)}`);
    // Running the pinned spec again uses its own panel.
    await runFrom('buy_apple_orange.backprop.yaml', vscode.ViewColumn.Two);
    assert.equal((await tabsSettle(['Backprop: buy_apple_orange (pinned)', 'Backprop: sigmoid'])).length, 2);

    // Unpinned, it is a preview again: the next spec goes to one of the two, and no third opens.
    await vscode.commands.executeCommand('backprop.unpinPanel', orange);
    await runFrom('relu.backprop.yaml', vscode.ViewColumn.Two);
    assert.equal((await tabsSettle(['Backprop: relu', 'Backprop: sigmoid'])).length, 2);
    assert.ok(api.openPanels().includes(example('relu.backprop.yaml').toString()));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
