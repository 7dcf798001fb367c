// The "Backprop" side view: heatmaps of the layer under the cursor and the spec's gradient flow.
// It follows the spec editor's cursor and resyncs whenever it becomes visible again.
import * as vscode from 'vscode';
import { sideHeatmaps } from '../heatmaps';
import type { FlowBar, HostToSideView, SideHeatmap } from '../protocol';
import { webviewHtml, webviewOptions } from './panel';
import { fileName } from './specs';
import type { RunStore, SpecRun } from './store';
import type { TrainSession, TrainView } from './train-session';
import type { Trainer } from './trainer';
import { parseSideViewMessage } from './webview-messages';

export const SIDE_VIEW_ID = 'backprop.sideView';

/**
 * The gradient flow of a run: mean and max |grad| per layer (dW, or dx without weights), one bar
 * per layer in order. NaN marks a layer without a gradient yet; a gradient holding NaN or ±Inf
 * reports that instead of its finite part.
 */
export function flowBars(run: SpecRun): FlowBar[] {
  return run.layers.map((l) => {
    const s = (l.grads.W ?? l.grads.gamma ?? l.dx)?.stats;
    if (!s) return { name: l.info.name, meanAbs: NaN, maxAbs: NaN };
    if (s.nan > 0) return { name: l.info.name, meanAbs: NaN, maxAbs: NaN };
    if (s.posInf + s.negInf > 0) return { name: l.info.name, meanAbs: Infinity, maxAbs: Infinity };
    return { name: l.info.name, meanAbs: s.meanAbs ?? NaN, maxAbs: Math.max(Math.abs(s.min ?? NaN), Math.abs(s.max ?? NaN)) };
  });
}

/** The side view's heatmaps for one layer (src/heatmaps.ts says which, in which order). */
function heatmaps(run: SpecRun, index: number): SideHeatmap[] {
  const l = run.layers[index];
  if (!l) return [];
  const grads = Object.entries(l.grads).map(([name, grad]) => ({ name, grad }));
  const params = Object.entries(l.params).map(([name, value]) => ({ name, value }));
  return sideHeatmaps({ ...l, grads, params });
}

/** Provides the view and keeps it on the layer the user is looking at. */
export class SideView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  /** The spec and layer on show. */
  private target: { uri: vscode.Uri; index: number } | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * The layer on show changed since it was last posted. Each post carries the whole layer, so only
   * the latest matters: one is in flight at a time (postMessage settles once the page has it), and
   * runs that stream faster than the page takes their heatmaps do not pile up in the host.
   */
  private layerDirty = false;
  private layerInFlight = false;

  /** The training session whose messages the view's training section gets, wrapped. */
  private training: TrainSession | null = null;
  private readonly trainView: TrainView = {
    post: (message) => {
      if (this.view && this.ready) void this.view.webview.postMessage({ type: 'train', message } satisfies HostToSideView);
    },
  };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: RunStore,
    private readonly trainer: Trainer,
    private readonly revealLayer: (uri: vscode.Uri, index: number) => void,
  ) {
    this.disposables.push(
      store.onDidChange((uri) => {
        if (this.target?.uri.toString() === uri.toString()) this.sync(false);
      }),
      trainer.onDidStart((session) => {
        if (this.target?.uri.toString() === session.uri) this.syncTraining();
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'side');
    this.disposables.push(
      view.webview.onDidReceiveMessage((data: unknown) => {
        const msg = parseSideViewMessage(data);
        if (msg?.type === 'ready') {
          this.ready = true;
          this.sync();
        } else if (msg?.type === 'revealLayer' && this.target) {
          this.revealLayer(this.target.uri, msg.index);
        }
      }),
      // A hidden view's page may be discarded; the new page says ready, and visibility resyncs too.
      view.onDidChangeVisibility(() => view.visible && this.sync()),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
      }),
    );
  }

  /** Shows layer `index` of `uri` (or nothing, for -1). */
  show(uri: vscode.Uri, index: number): void {
    const specChanged = this.target?.uri.toString() !== uri.toString();
    this.target = { uri, index };
    this.sync(specChanged);
  }

  /** Sends the layer on show; with `training`, the spec's training section too. */
  private sync(training = true): void {
    if (!this.view || !this.ready) return;
    this.layerDirty = true;
    this.postLayer();
    if (training) this.syncTraining();
  }

  private postLayer(): void {
    if (!this.layerDirty || this.layerInFlight || !this.view || !this.ready) return;
    this.layerDirty = false;
    this.layerInFlight = true;
    const taken = () => {
      this.layerInFlight = false;
      this.postLayer();
    };
    this.view.webview.postMessage(this.message()).then(taken, taken);
  }

  /** Follows the training session of the spec on show (replaying it), or hides the section. */
  private syncTraining(): void {
    this.training?.detach(this.trainView);
    this.training = (this.target && this.trainer.get(this.target.uri)) ?? null;
    if (!this.view || !this.ready) return;
    if (this.training) this.training.attach(this.trainView);
    else void this.view.webview.postMessage({ type: 'trainNone' } satisfies HostToSideView);
  }

  private message(): HostToSideView {
    if (!this.target) return { type: 'empty', message: vscode.l10n.t('Open a .backprop spec and move the cursor onto a layer.') };
    const { uri, index } = this.target;
    const run = this.store.get(uri);
    const spec = fileName(uri);
    if (run?.graph) return { type: 'graph', spec, output: run.graphOutput, nodes: run.graph, stale: run.stale };
    if (!run || run.layers.length === 0) return { type: 'empty', message: vscode.l10n.t('Run Backprop on {0} to see its gradients here.', spec) };
    const layer = run.layers[index];
    // On input:, loss: or between layers, the flow of the whole spec still shows.
    if (!layer) return { type: 'flow', spec, flow: flowBars(run), stale: run.stale };
    const variants = run.variants?.flatMap((v) => (v.layers[index] ? [{ label: v.label, ...v.layers[index] }] : []));
    return { type: 'layer', spec, index, info: layer.info, heatmaps: heatmaps(run, index), ...(variants && { variants }), flow: flowBars(run), stale: run.stale };
  }

  dispose(): void {
    this.training?.detach(this.trainView);
    for (const d of this.disposables) d.dispose();
  }
}
