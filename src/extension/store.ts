// The last run of each spec, as the host heard it: what hovers, CodeLens, diagnostics and the side
// view show. A run's figures go stale once the spec is edited, until the next run.
import * as vscode from 'vscode';
import type { Finding, GraphNodeInfo, LayerInfo, RunEvent, VariantDistribution, WireCheck, WireMaskStats, WireTensor } from '../protocol';

/** What one layer did in the last run. */
export interface LayerResult {
  /** Static facts from the start event. */
  info: LayerInfo;
  /** Forward output. */
  activation?: WireTensor;
  /** Mask kept by forward (ReLU, LeakyReLU, Dropout). */
  mask?: WireTensor;
  /** Summary of the mask. */
  maskStats?: WireMaskStats;
  /** Parameter values used by the run. */
  params: Record<string, WireTensor>;
  /** Upstream gradient. */
  dout?: WireTensor;
  /** Gradient for the layer's input. */
  dx?: WireTensor;
  /** Parameter gradients. */
  grads: Record<string, WireTensor>;
  /** Gradient checks by parameter. */
  checks: Record<string, WireCheck>;
}

/** The last run of one spec. */
export interface SpecRun {
  /** Layers in order (network specs). */
  layers: LayerResult[];
  /** Graph nodes with values and gradients (graph specs). */
  graph: GraphNodeInfo[] | null;
  /** The graph's output node, whose gradient the nodes' are. */
  graphOutput: string;
  /** Loss value, if any. */
  loss: number | null;
  /** The loss layer's facts, its prediction y, targets t and dx = (y − t)/N, once it ran. */
  lossLayer: { info: LayerInfo | null; prediction?: WireTensor; target?: WireTensor; dx?: WireTensor };
  /** Gradient-health findings. */
  findings: Finding[];
  /** A comparison of inits: each variant's distributions; null without one. */
  variants: VariantDistribution[] | null;
  /** True once the run finished. */
  done: boolean;
  /** True when the spec was edited after the run. */
  stale: boolean;
}

/** Last runs by spec URI, with an event whenever one changes. */
export class RunStore implements vscode.Disposable {
  private readonly runs = new Map<string, SpecRun>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with a spec's URI when its run data or staleness changes. */
  readonly onDidChange = this.changed.event;

  /** The last run of `uri`, if any. */
  get(uri: vscode.Uri): SpecRun | undefined {
    return this.runs.get(uri.toString());
  }

  /** Starts recording a new run of `uri`, replacing the old one. */
  begin(uri: vscode.Uri): void {
    this.runs.set(uri.toString(), { layers: [], graph: null, graphOutput: '', loss: null, lossLayer: { info: null }, findings: [], variants: null, done: false, stale: false });
  }

  /** Adds one event of the current run of `uri`. */
  add(uri: vscode.Uri, e: RunEvent): void {
    const run = this.runs.get(uri.toString());
    if (!run) return;
    const layer = 'index' in e ? run.layers[e.index] : undefined;
    switch (e.kind) {
      case 'start':
        run.layers = e.layers.map((info) => ({ info, params: {}, grads: {}, checks: {} }));
        run.lossLayer = { info: e.loss };
        break;
      case 'forward':
        if (!layer) return;
        layer.activation = e.activation;
        layer.mask = e.mask ?? undefined;
        layer.maskStats = e.maskStats ?? undefined;
        layer.params = Object.fromEntries(e.params.map((p) => [p.name, p.value]));
        break;
      case 'loss':
        run.loss = e.value;
        run.lossLayer = { info: run.lossLayer.info, prediction: e.prediction, target: e.target, dx: e.dx };
        break;
      case 'backward':
        if (!layer) return;
        layer.dout = e.dout;
        layer.dx = e.dx;
        layer.grads = Object.fromEntries(e.grads.map((g) => [g.name, g.grad]));
        break;
      case 'check':
        if (layer) layer.checks[e.param] = e.result;
        break;
      case 'findings':
        run.findings = e.findings;
        break;
      case 'variants':
        run.variants = e.variants;
        break;
      case 'graph':
        run.graph = e.nodes;
        run.graphOutput = e.output;
        break;
      case 'done':
        run.done = true;
        this.changed.fire(uri);
        return;
    }
    // Layer-by-layer updates matter to the side view as they stream; the rest waits for done.
    if (e.kind === 'forward' || e.kind === 'backward') this.changed.fire(uri);
  }

  /** Marks the last run of `uri` stale (the spec was edited). */
  markStale(uri: vscode.Uri): void {
    const run = this.runs.get(uri.toString());
    if (!run || run.stale) return;
    run.stale = true;
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
