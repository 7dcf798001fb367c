// Gradient check: backprop's gradients against central differences, element by element, as the
// book's gradient_check.py does, but with a pass test per element instead of one mean.
import type { Layer, LossLayer, ParamName } from './layer';
import type { Sequential } from './network';
import { denseTargets } from './layers/targets';
import { flatten2d } from './ops';
import { clone, tensor, type Tensor } from './tensor';

/** Central difference step and the pass test |a − n| ≤ atol + rtol·|n|. */
export interface CheckOptions {
  /** Central difference step. */
  h: number;
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance, times |numerical|. */
  rtol: number;
}

/** The book's step h = 1e-4 and tolerances that a float64 network passes with a wide margin. */
export const DEFAULT_CHECK: Readonly<CheckOptions> = { h: 1e-4, atol: 1e-5, rtol: 1e-3 };

/** Analytic against numerical gradient of one parameter. NaN in either side counts as a failure. */
export interface ParamCheck {
  /** Shape of the parameter. */
  shape: number[];
  /** Mean of |a − n| over all elements (0 for an empty parameter), the figure the book prints. */
  meanAbsDiff: number;
  /** Largest |a − n|. */
  maxAbsDiff: number;
  /** Largest |a − n| / max(|a|, |n|), taken as 0 where both are 0; so it lies in [0, 2]. */
  maxRelError: number;
  /** |a − n| per element. */
  error: Tensor;
  /** Backprop's gradient. */
  analytic: Tensor;
  /** Central-difference gradient. */
  numerical: Tensor;
  /** Number of elements failing |a − n| ≤ atol + rtol·|n|. */
  failures: number;
  /** True when no element fails. */
  ok: boolean;
}

/** The check of one parameter of one layer. */
export interface LayerParamCheck {
  /** Index of the layer in the network. */
  index: number;
  /** Layer name. */
  name: string;
  /** Which parameter. */
  param: ParamName;
  /** The comparison. */
  result: ParamCheck;
}

/**
 * Central differences (f(v + h) − f(v − h)) / 2h for every element of `values`, which `f` reads.
 * Each element is put back to its exact original bits before the next one is perturbed.
 */
export function numericalGradient(f: () => number, values: Float64Array, h: number): Float64Array {
  const grad = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    values[i] = v + h;
    const fPlus = f();
    values[i] = v - h;
    const fMinus = f();
    values[i] = v;
    grad[i] = (fPlus - fMinus) / (2 * h);
  }
  return grad;
}

/** Compares two gradients of the same shape element by element. */
export function compareGradients(analytic: Tensor, numerical: Tensor, opts: CheckOptions): ParamCheck {
  const a = analytic.data;
  const n = numerical.data;
  if (a.length !== n.length) throw new RangeError(`gradient sizes differ: ${a.length} and ${n.length}`);
  const error = new Float64Array(a.length);
  let sum = 0;
  let maxAbsDiff = 0;
  let maxRelError = 0;
  let failures = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - n[i]);
    error[i] = diff;
    sum += diff;
    // Math.max propagates NaN, so a NaN gradient shows in the summary figures.
    maxAbsDiff = Math.max(maxAbsDiff, diff);
    const scale = Math.max(Math.abs(a[i]), Math.abs(n[i]));
    maxRelError = Math.max(maxRelError, diff === 0 ? 0 : diff / scale);
    if (!(diff <= opts.atol + opts.rtol * Math.abs(n[i]))) failures++;
  }
  return {
    shape: [...analytic.shape],
    meanAbsDiff: a.length === 0 ? 0 : sum / a.length,
    maxAbsDiff,
    maxRelError,
    error: tensor(analytic.shape, error),
    analytic,
    numerical,
    failures,
    ok: failures === 0,
  };
}

/** Numerical gradient of parameter `k` of layer `index` by central differences with step `h`. */
type Differences = (index: number, k: number, h: number) => Float64Array;

/**
 * Checks every parameter of every layer, yielding one result at a time (first layer first).
 * The objective is the loss, or the sum of outputs without a loss. Layers with a `frozen` flag are
 * frozen meanwhile, so Dropout reuses its last mask (drawing one only if it has none yet) and
 * BatchNorm keeps its running statistics: every pass computes the same function. Parameters are
 * perturbed in a private copy, so no tensor anyone holds changes. A final clean forward leaves the
 * network's kept tensors and grads as after a plain forward and backward.
 *
 * Each perturbed objective is recomputed only from the perturbed layer on, with column locality
 * after an Affine (see SuffixCheck); it equals checkEachParamPlain's up to rounding.
 */
export function* checkEachParam(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions = DEFAULT_CHECK,
): Generator<LayerParamCheck> {
  yield* checkWith(net, x, t, train, opts, () => {
    const suffix = new SuffixCheck(net, x, t, train);
    return (index, k, h) => suffix.differences(index, k, h);
  });
}

/** checkEachParam recomputing the whole network for every perturbed element: the reference for the fast path. */
export function* checkEachParamPlain(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions = DEFAULT_CHECK,
): Generator<LayerParamCheck> {
  yield* checkWith(net, x, t, train, opts, () => {
    const f = (): number => net.objective(x, t, train);
    return (index, k, h) => {
      const p = net.layers[index].params[k];
      const original = p.value;
      const work = clone(original);
      p.value = work;
      try {
        return numericalGradient(f, work.data, h);
      } finally {
        p.value = original;
      }
    };
  });
}

/** The frame both checks share; `prepare` runs after the analytic pass, with every layer frozen. */
function* checkWith(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions,
  prepare: () => Differences,
): Generator<LayerParamCheck> {
  const wasFrozen = net.layers.map((layer) => layer.frozen);
  for (const layer of net.layers) if (layer.frozen !== undefined) layer.frozen = true;
  try {
    net.objective(x, t, train);
    net.backward();
    const analytic = net.layers.map((layer) => layer.params.map((p) => p.grad));
    const differences = prepare();
    for (const [index, layer] of net.layers.entries()) {
      for (const [k, p] of layer.params.entries()) {
        const numerical = differences(index, k, opts.h);
        const grad = analytic[index][k];
        if (!grad) throw new Error(`${layer.name}: backward set no gradient for ${p.name}`);
        const result = compareGradients(grad, tensor(p.value.shape, numerical), opts);
        yield { index, name: layer.name, param: p.name, result };
      }
    }
    net.objective(x, t, train);
  } finally {
    net.layers.forEach((layer, i) => {
      if (wasFrozen[i] !== undefined) layer.frozen = wasFrozen[i];
    });
  }
}

/**
 * Central differences that recompute only what a perturbation changes, from the activations of one
 * clean (frozen) forward:
 * - a parameter of layer k re-runs layers k.. from layer k's cached input;
 * - Affine's W[i, j] (or b[j]) changes only column j of out = x·W + b, by δ·x[:, i] (or δ); layers
 *   with forwardColumn keep the change in column j and recompute just that column; a following
 *   Affine changes by the rank-1 term (a'[:, j] − a[:, j]) ⊗ W[j, :]; later layers run whole.
 * δ is the step the plain check takes, (v ± h) − v, so both compute one function up to rounding.
 * Work buffers are allocated once; tensors handed to layers wrap them and are rewritten each pass,
 * which only the layers' own kept state sees until the check's final clean forward.
 */
class SuffixCheck {
  private readonly layers: readonly Layer[];
  /** Input of each layer in the clean forward. */
  private readonly inputs: Tensor[] = [];
  /** Output of each layer in the clean forward. */
  private readonly outputs: Tensor[] = [];
  /** Work copies of layer outputs, by layer index, made on first use. */
  private readonly work = new Map<number, Tensor>();
  /** The loss, with targets shaped like the network output so that it need not expand labels on every pass. */
  private readonly loss: { layer: LossLayer; targets: Tensor } | null = null;

  constructor(
    net: Sequential,
    x: Tensor,
    t: Tensor | null,
    private readonly train: boolean,
  ) {
    this.layers = net.layers;
    let y = x;
    for (const layer of this.layers) {
      this.inputs.push(y);
      y = layer.forward(y, train);
      this.outputs.push(y);
    }
    if (net.loss) {
      if (!t) throw new Error(`${net.loss.name} needs targets, but none were given`);
      this.loss = { layer: net.loss, targets: tensor(y.shape, denseTargets(net.loss.name, y, t)) };
    }
  }

  differences(index: number, k: number, h: number): Float64Array {
    const layer = this.layers[index];
    if (layer.type === 'affine') return this.affineDifferences(index, k === 0, h);
    const p = layer.params[k];
    const original = p.value;
    const work = clone(original);
    p.value = work;
    try {
      return numericalGradient(() => this.objectiveFrom(index, this.inputs[index]), work.data, h);
    } finally {
      p.value = original;
    }
  }

  /**
   * Central differences for the W (`isW`) or b of the Affine at `index`, one output column at a time.
   * Type 'affine' promises forward computes out = x·W + b.
   */
  private affineDifferences(index: number, isW: boolean, h: number): Float64Array {
    const [d, m] = this.layers[index].params[0].value.shape;
    const values = this.layers[index].params[isW ? 0 : 1].value.data;
    const x = flatten2d(this.inputs[index]).data;
    const col = new Float64Array(this.outputs[index].shape[0]);
    const grad = new Float64Array(values.length);
    for (let e = 0; e < values.length; e++) {
      const i = isW ? Math.floor(e / m) : -1;
      const j = isW ? e % m : e;
      const v = values[e];
      const fPlus = this.columnObjective(index, x, d, m, i, j, v + h - v, col);
      const fMinus = this.columnObjective(index, x, d, m, i, j, v - h - v, col);
      grad[e] = (fPlus - fMinus) / (2 * h);
    }
    return grad;
  }

  /**
   * The objective after adding `delta` to W[i, j] (or to b[j] when i < 0) of the Affine at `index`,
   * whose input `x` is [N, d] and output [N, m]; `col` holds N numbers of work space.
   */
  private columnObjective(index: number, x: Float64Array, d: number, m: number, i: number, j: number, delta: number, col: Float64Array): number {
    const n = col.length;
    const out = this.outputs[index].data;
    for (let r = 0; r < n; r++) col[r] = out[r * m + j] + delta * (i < 0 ? 1 : x[r * d + i]);
    let next = index + 1;
    for (; next < this.layers.length; next++) {
      const layer = this.layers[next];
      if (!layer.forwardColumn) break;
      layer.forwardColumn(col, j, m, this.train);
    }
    // `col` is column j of layer next − 1's output; the rest of that output is as in the clean pass.
    const clean = this.outputs[next - 1].data;
    if (next < this.layers.length && this.layers[next].type === 'affine') {
      const W = this.layers[next].params[0].value;
      const m2 = W.shape[1];
      const after = this.workCopy(next);
      for (let r = 0; r < n; r++) {
        const change = col[r] - clean[r * m + j];
        if (change === 0) continue;
        for (let c = 0; c < m2; c++) after.data[r * m2 + c] += change * W.data[j * m2 + c];
      }
      return this.objectiveFrom(next + 1, after);
    }
    const changed = this.workCopy(next - 1);
    for (let r = 0; r < n; r++) changed.data[r * m + j] = col[r];
    return this.objectiveFrom(next, changed);
  }

  /** The work buffer for layer `index`'s output, reset to the clean output. */
  private workCopy(index: number): Tensor {
    let buffer = this.work.get(index);
    if (!buffer) {
      buffer = clone(this.outputs[index]);
      this.work.set(index, buffer);
    } else buffer.data.set(this.outputs[index].data);
    return buffer;
  }

  /** The objective with `input` fed to layer `index` (the network output when index is past the last layer). */
  private objectiveFrom(index: number, input: Tensor): number {
    let y = input;
    for (let l = index; l < this.layers.length; l++) y = this.layers[l].forward(y, this.train);
    if (this.loss) return this.loss.layer.forward(y, this.loss.targets);
    let sum = 0;
    for (let i = 0; i < y.data.length; i++) sum += y.data[i];
    return sum;
  }
}

/** All results of checkEachParam at once. */
export function checkNetwork(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions = DEFAULT_CHECK,
): LayerParamCheck[] {
  return [...checkEachParam(net, x, t, train, opts)];
}
