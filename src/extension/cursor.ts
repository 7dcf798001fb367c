// The layer the user looks at, kept in step between the spec editor's cursor, the run panel's
// selected row and the side view, in both directions.
import * as vscode from 'vscode';
import { matrixShape } from '../downsample';
import { fmtFull } from '../format';
import { unravel } from '../engine/tensor';
import type { PanelRegistry } from './panels';
import type { RunPanel } from './panel';
import type { SideView } from './sideView';
import { isSpec, toRange, type SpecIndex } from './specs';
import type { RunStore } from './store';

export class LayerCursor implements vscode.Disposable {
  /** The layer under the spec editor's cursor, as `uri#index`: what the panel and side view last followed. */
  private last = '';
  private readonly cellValue = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });

  constructor(
    private readonly specs: SpecIndex,
    private readonly store: RunStore,
    private readonly side: () => SideView,
    private readonly panels: () => PanelRegistry<RunPanel>,
  ) {}

  /**
   * Puts the cursor on layer `index` (or the loss, after the last layer) of the spec, in a visible
   * editor (opening one if needed). The side view and the run panel follow, except a panel that
   * asked: told back, a late echo would undo a selection the user made in it since (click one row,
   * arrow to the next, the echo arrives).
   */
  async reveal(uri: vscode.Uri, index: number, askedByPanel = false): Promise<vscode.TextEditor | undefined> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const { spec } = this.specs.get(doc);
    const range = spec?.form !== 'network' ? undefined : index === spec.layers.length && spec.loss ? spec.lossRange : spec.layers[index]?.typeRange;
    if (!range) return undefined;
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const editor = visible ?? (await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: true }));
    const at = toRange(range).start;
    const layer = this.specs.layerAt(doc, at);
    // Set first, so the selection event below finds nothing new to follow.
    this.last = `${doc.uri.toString()}#${layer}`;
    this.side().show(doc.uri, index);
    if (!askedByPanel && layer >= 0) this.panels().get(doc.uri)?.post({ type: 'select', index: layer });
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  }

  /** The cursor's layer: selected in the spec's panel and shown in the side view. */
  follow(editor: vscode.TextEditor | undefined): void {
    if (!editor || !isSpec(editor.document.uri)) return;
    const index = this.specs.layerAt(editor.document, editor.selection.active);
    const key = `${editor.document.uri.toString()}#${index}`;
    if (key === this.last) return;
    this.last = key;
    this.side().show(editor.document.uri, index);
    if (index >= 0) this.panels().get(editor.document.uri)?.post({ type: 'select', index });
  }

  /** Reveals layer `index` and shows element [row, col] of its parameter `param` and that element's gradient beside the line. */
  async showCell(uri: vscode.Uri, index: number, param: string, row: number, col: number): Promise<void> {
    const layer = this.store.get(uri)?.layers[index];
    const value = layer && Object.hasOwn(layer.params, param) ? layer.params[param] : undefined;
    if (!layer || !value || value.shape.length === 0) return;
    const { rows, cols } = matrixShape(value.shape);
    // A cell that is not there is a stale or forged click, and changes nothing; unchecked, a column
    // past the end would name the next row's element.
    if (row >= rows || col >= cols) return;
    const editor = await this.reveal(uri, index, true);
    const grad = layer.grads[param];
    if (!editor) return;
    const at = row * cols + col;
    // A filter bank's element is W[f,c,i,j]: its place in the 2-D view [F, C·FH·FW], unravelled.
    const name = `${param}[${unravel(at, value.shape).join(',')}]`;
    const v = new Float64Array(value.buffer)[at];
    const g = grad ? new Float64Array(grad.buffer)[at] : undefined;
    if (v === undefined) return;
    const text = `${layer.info.name}.${name} = ${fmtFull(v)}${g === undefined ? '' : `   ∂loss/∂${name} = ${fmtFull(g)}`}`;
    const line = editor.selection.active.line;
    editor.setDecorations(this.cellValue, [{ range: editor.document.lineAt(line).range, renderOptions: { after: { contentText: text } } }]);
    // A long line can push the decoration out of view; the status bar always shows.
    vscode.window.setStatusBarMessage(text, 15_000);
  }

  dispose(): void {
    this.cellValue.dispose();
  }
}
