// The `--json` report: built from the engine's event stream, the same stream the worker streams.
import type { RunEvent } from '../engine/run';
import type { CheckFigures, ParamCheck } from '../engine/gradcheck';
import type { GraphResult } from '../engine/graph';
import type { Finding } from '../engine/health';
import type { GraphSpec } from '../spec/model';
import { maskStats, tensorStats, type MaskStats, type TensorStats } from '../engine/stats';
import { toNested, type Tensor } from '../engine/tensor';

// JSON has no NaN or ±Infinity: JSON.stringify prints them as null, and the stats' nan/posInf/negInf
// counts say why.

/** A gradient check's figures (of a parameter, or of a layer's dx), as the engine gives them. */
export type CheckReport = CheckFigures;

/** One parameter of one layer. */
export interface ParamReport {
  /** Axis sizes. */
  shape: number[];
  /** Statistics of the value used by the run. */
  stats: TensorStats;
  /** Statistics of its gradient. */
  gradStats: TensorStats | null;
  /** Gradient check, when one ran. */
  check?: CheckReport;
  /** Full value (`--full`). */
  value?: unknown;
  /** Full gradient (`--full`). */
  grad?: unknown;
}

/** One layer, in network order (the loss layer comes last). */
export interface LayerReport {
  /** Layer name. */
  name: string;
  /** Layer type as spelled in specs. */
  type: string;
  /** Shape of what the layer received. */
  inputShape: number[];
  /** Shape of what it produced. */
  outputShape: number[];
  /** Statistics of its output (with `values` under `--full`). */
  activation: TensorStats & { values?: unknown };
  /** Statistics of the gradient it passed back (with `values` under `--full`), and its check when one ran. */
  dx: (TensorStats & { values?: unknown; check?: CheckReport }) | null;
  /** Mask statistics (ReLU, LeakyReLU, Dropout), with 0/1 `values` under `--full`. */
  mask?: TensorStats & MaskStats & { values?: unknown };
  /** Parameters by name. */
  params: Record<string, ParamReport>;
}

/** The report of a network run. */
export interface NetworkReport {
  /** Spec name. */
  name: string;
  /** Discriminator. */
  form: 'network';
  /** Loss value, or null without a loss layer. */
  loss: number | null;
  /** False when a gradient check failed or the loss is not finite. */
  ok: boolean;
  /** Layers in order. */
  layers: LayerReport[];
  /** Gradient-health findings (NaN/Inf, exploding, vanishing, dead ReLU, saturation, failed checks). */
  findings: Finding[];
}

function withValues<T extends object>(stats: T, t: Tensor, full: boolean): T & { values?: unknown } {
  return full ? { ...stats, values: toNested(t) } : stats;
}

function checkSummary(c: ParamCheck): CheckReport {
  return {
    meanAbsDiff: c.meanAbsDiff,
    maxAbsDiff: c.maxAbsDiff,
    maxRelError: c.maxRelError,
    failures: c.failures,
    nonDifferentiable: c.nonDifferentiable,
    ok: c.ok,
    worst: c.worst,
  };
}

/** Builds the report while consuming the run's events in order. */
export function networkReport(name: string, events: Iterable<RunEvent>, findings: Finding[], full: boolean): NetworkReport {
  const layers: LayerReport[] = [];
  let loss: number | null = null;
  let ok = true;
  for (const e of events) {
    switch (e.kind) {
      case 'forward': {
        const params: Record<string, ParamReport> = {};
        for (const p of e.params) {
          params[p.name] = { shape: [...p.value.shape], stats: tensorStats(p.value), gradStats: null, ...(full ? { value: toNested(p.value) } : {}) };
        }
        const mask = e.kept.mask;
        layers[e.index] = {
          name: e.name,
          type: e.type,
          inputShape: [...e.input.shape],
          outputShape: [...e.output.shape],
          activation: withValues(tensorStats(e.output), e.output, full),
          dx: null,
          ...(mask ? { mask: withValues({ ...tensorStats(mask), ...maskStats(mask) }, mask, full) } : {}),
          params,
        };
        break;
      }
      case 'loss':
        loss = e.value;
        break;
      case 'backward': {
        const layer = layers[e.index];
        layer.dx = withValues(tensorStats(e.dx), e.dx, full);
        for (const g of e.grads) {
          const p = layer.params[g.name];
          p.gradStats = tensorStats(g.grad);
          if (full) p.grad = toNested(g.grad);
        }
        break;
      }
      case 'check': {
        const layer = layers[e.index];
        if (e.param === 'dx') layer.dx = { ...layer.dx!, check: checkSummary(e.result) };
        else layer.params[e.param].check = checkSummary(e.result);
        if (!e.result.ok) ok = false;
        break;
      }
      case 'done':
        break;
    }
  }
  if (loss !== null && !Number.isFinite(loss)) ok = false;
  return { name, form: 'network', loss, ok, layers, findings };
}

/** The report of a scalar graph: every input and node with its value and gradient. */
export interface GraphReport {
  /** Spec name. */
  name: string;
  /** Discriminator. */
  form: 'graph';
  /** Graphs have no loss. */
  loss: null;
  /** False when a value or gradient is NaN or infinite. */
  ok: boolean;
  /** Inputs first, then nodes in evaluation order. */
  graph: { output: string; nodes: Record<string, { op: string; in: string[]; value: number; grad: number }> };
}

/** Report of an evaluated graph. */
export function graphReport(spec: GraphSpec, result: GraphResult): GraphReport {
  // Null prototype: a node named `__proto__` or `constructor` is an own key like any other, and JSON.stringify prints it.
  const nodes: GraphReport['graph']['nodes'] = Object.create(null) as GraphReport['graph']['nodes'];
  const add = (name: string, op: string, operands: string[]) => {
    nodes[name] = { op, in: operands, value: result.values.get(name)!, grad: result.grads.get(name)! };
  };
  for (const i of spec.inputs) add(i.name, 'input', []);
  const byName = new Map(spec.nodes.map((n) => [n.name, n]));
  for (const name of result.order) add(name, byName.get(name)!.op, byName.get(name)!.in);
  const ok = Object.values(nodes).every((n) => Number.isFinite(n.value) && Number.isFinite(n.grad));
  return { name: spec.name, form: 'graph', loss: null, ok, graph: { output: spec.output, nodes } };
}
