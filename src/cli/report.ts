// The `--json` report: built from the engine's event stream, the same stream the worker streams.
import type { RunEvent } from '../engine/run';
import type { CheckFigures, ParamCheck } from '../engine/gradcheck';
import type { GraphResult } from '../engine/graph';
import type { Finding } from '../engine/health';
import type { VariantDistribution } from '../engine/distributions';
import type { CompareKey, GraphSpec, NetworkSpec } from '../spec/model';
import { layerTypeName } from '../spec/type-names';
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
  /** Layer type as shown (see layerTypeName). */
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
  /** A comparison of inits: each variant's loss and distributions, each run once. */
  variants?: { key: CompareKey; variants: VariantDistribution[] };
}

/**
 * A whole tensor in the report (`--full`): nested arrays in JSON. reportJson streams it from the
 * tensor, so the report never holds a copy as JS arrays; JSON.stringify gives the same text.
 */
export class Nested {
  constructor(readonly tensor: Tensor) {}

  toJSON(): unknown {
    return toNested(this.tensor);
  }
}

function withValues<T extends object>(stats: T, t: Tensor, full: boolean): T & { values?: unknown } {
  return full ? { ...stats, values: new Nested(t) } : stats;
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

/** Builds the report of `spec`'s run while consuming the run's events in order. */
export function networkReport(spec: Pick<NetworkSpec, 'name' | 'layers'>, events: Iterable<RunEvent>, findings: Finding[], full: boolean): NetworkReport {
  const layers: LayerReport[] = [];
  let loss: number | null = null;
  let ok = true;
  for (const e of events) {
    switch (e.kind) {
      case 'forward': {
        const params: Record<string, ParamReport> = {};
        for (const p of e.params) {
          params[p.name] = { shape: [...p.value.shape], stats: tensorStats(p.value), gradStats: null, ...(full ? { value: new Nested(p.value) } : {}) };
        }
        const mask = e.kept.mask;
        layers[e.index] = {
          name: e.name,
          type: layerTypeName(spec.layers[e.index]),
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
          if (full) p.grad = new Nested(g.grad);
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
  return { name: spec.name, form: 'network', loss, ok, layers, findings };
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

/** Elements per piece of a long row, so no one string grows with the tensor. */
const ROW_PIECE = 4096;

/**
 * JSON.stringify(value, null, 2) in pieces, the same text, streaming each Nested tensor from its
 * data. For the report's plain data: objects, arrays, strings, numbers, booleans and null.
 */
export function* reportJson(value: unknown, indent = ''): Generator<string> {
  if (value instanceof Nested) return yield* nestedJson(value.tensor, indent);
  if (value === null || typeof value !== 'object') return yield JSON.stringify(value) ?? 'null';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    for (const [i, item] of value.entries()) {
      yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
      yield* item === undefined || typeof item === 'function' ? ['null'] : reportJson(item, inner);
    }
    return yield `\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (entries.length === 0) return yield '{}';
  for (const [i, [key, v]] of entries.entries()) {
    yield `${i === 0 ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    yield* reportJson(v, inner);
  }
  yield `\n${indent}}`;
}

/** A tensor as JSON.stringify(toNested(t), null, 2) would print it at `indent`. */
function* nestedJson(t: Tensor, indent: string): Generator<string> {
  const number = (v: number) => (Number.isFinite(v) ? String(v) : 'null');
  if (t.shape.length === 0) return yield number(t.data[0]);
  let at = 0;
  function* level(depth: number, pad: string): Generator<string> {
    const size = t.shape[depth];
    if (size === 0) return yield '[]';
    const inner = `${pad}  `;
    if (depth === t.shape.length - 1) {
      for (let start = 0; start < size; start += ROW_PIECE) {
        const piece = Array.from(t.data.subarray(at + start, at + Math.min(size, start + ROW_PIECE)), number);
        yield `${start === 0 ? '[' : ','}\n${inner}${piece.join(`,\n${inner}`)}`;
      }
      at += size;
      return yield `\n${pad}]`;
    }
    for (let i = 0; i < size; i++) {
      yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
      yield* level(depth + 1, inner);
    }
    yield `\n${pad}]`;
  }
  yield* level(0, indent);
}
