// Gradient check: backprop's gradients against central differences, element by element, as the
// book's gradient_check.py does, but with a pass test per element instead of one mean, the worst
// elements listed, non-differentiable points told apart from failures, and every layer's input
// gradient (dx) checked as well as its parameters.
import { DEFAULT_CHECK, type CheckOptions } from './check-options';
import type { Layer, LossLayer } from './layer';
import type { Sequential } from './network';
import type { Convolution } from './layers/convolution';
import type { Pooling } from './layers/pooling';
import { CustomLayer } from './layers/custom';
import { denseTargets } from './layers/targets';
import { flatten2d } from './ops';
import { Rng } from './rng';
import { clone, tensor, unravel, type Tensor } from './tensor';
import { covering } from './window';

/** How many of the worst elements a check lists. */
export const WORST_COUNT = 10;

/** One of the worst elements of a check. */
export interface WorstElement {
  /** Row-major position in the checked tensor. */
  flat: number;
  /** Index along each axis. */
  index: number[];
  /** Backprop's value. */
  analytic: number;
  /** Central-difference value. */
  numerical: number;
  /** True at a non-differentiable point, which is not a failure. */
  nonDifferentiable: boolean;
  /** True when it fails the tolerance and is not a non-differentiable point. */
  failed: boolean;
}

/** Analytic against numerical gradient of one parameter (or of a layer's input). NaN in either side counts as a failure. */
export interface ParamCheck {
  /** Shape of the checked tensor. */
  shape: number[];
  /** Mean of |a − n| over all elements, non-differentiable points included (0 for an empty tensor): the book's figure. */
  meanAbsDiff: number;
  /** Largest |a − n| away from non-differentiable points (which the heatmaps and `worst` still show). */
  maxAbsDiff: number;
  /** Largest relative error (see relError) away from non-differentiable points; so it lies in [0, 2]. */
  maxRelError: number;
  /** |a − n| per element. */
  error: Tensor;
  /** |a − n| / max(|a|, |n|) per element, 0 where both are 0. */
  relError: Tensor;
  /** Backprop's gradient. */
  analytic: Tensor;
  /** Central-difference gradient. */
  numerical: Tensor;
  /** Elements failing |a − n| ≤ atol + rtol·|n|, not counting non-differentiable points. */
  failures: number;
  /** Elements within h of a kink (see nonDifferentiableAt): outside the tolerance, but not failures. */
  nonDifferentiable: number;
  /** 1 per element that fails, else 0: with a per-element tolerance no threshold on |a − n| tells them apart. */
  failed: Uint8Array;
  /** The WORST_COUNT worst elements: failures first, then by how far they miss, |a − n| / (atol + rtol·|n|). */
  worst: WorstElement[];
  /** True when no element fails. */
  ok: boolean;
}

/** A check's figures and worst elements without its tensors: the CLI's report, and the wire form beside its error tensors. */
export type CheckFigures = Omit<ParamCheck, 'shape' | 'error' | 'relError' | 'analytic' | 'numerical' | 'failed'>;

/** The check of one parameter of one layer, or of its input gradient. */
export interface LayerParamCheck {
  /** Index of the layer in the network. */
  index: number;
  name: string;
  /** Which parameter (W, b, gamma, beta, or a custom layer's own), or 'dx' for the input gradient. */
  param: string;
  result: ParamCheck;
}

/** An objective around one tensor: its value f0 there, and f with element i moved by +h and by −h. */
export interface Differences {
  /** f at the unperturbed tensor. */
  f0: number;
  /** f(v + h·eᵢ) for each element i. */
  plus: Float64Array;
  /** f(v − h·eᵢ) for each element i. */
  minus: Float64Array;
}

/**
 * f(v + h) and f(v − h) for every element of `values`, which `f` reads. Each element is put back to
 * its exact original bits before the next one is perturbed.
 */
export function centralDifferences(f: () => number, values: Float64Array, h: number): Pick<Differences, 'plus' | 'minus'> {
  const plus = new Float64Array(values.length);
  const minus = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    values[i] = v + h;
    plus[i] = f();
    values[i] = v - h;
    minus[i] = f();
    values[i] = v;
  }
  return { plus, minus };
}

/** Central differences (f(v + h) − f(v − h)) / 2h for every element of `values`, which `f` reads. */
export function numericalGradient(f: () => number, values: Float64Array, h: number): Float64Array {
  const { plus, minus } = centralDifferences(f, values, h);
  return plus.map((p, i) => (p - minus[i]) / (2 * h));
}

/**
 * Whether a failing element sits within h of a kink (a ReLU input near 0, say). The one-sided slopes
 * s+ = (f+ − f0)/h and s− = (f0 − f−)/h lie on either side of it: backprop's a is the slope of the
 * side the element is on, which one of them measures (up to O(h·f″)), while the central difference
 * n = (s+ + s−)/2 averages the two. For one kink on a piecewise-linear path, a equals s+ or s−
 * exactly and |a − n| = |s+ − s−|/2. At a smooth point a ≈ n, midway between the slopes. So an
 * element is a kink when a agrees with a one-sided slope at least twice as well as with n:
 * min |a − s±| ≤ |a − n| / 2, which implies |s+ − s−| ≥ |a − n|. A wrong backward at a smooth point
 * misses n and both slopes by about the same amount, so it still fails.
 */
export function nonDifferentiableAt(a: number, n: number, slopePlus: number, slopeMinus: number): boolean {
  return Math.min(Math.abs(a - slopePlus), Math.abs(a - slopeMinus)) <= Math.abs(a - n) / 2;
}

/** How much smaller each closer look's step is than the one before (see compareGradients). */
export const FINER_STEP = 10;

/** How many closer looks a failing element gets: at h/10 and at h/100. */
export const CLOSER_LOOKS = 2;

/**
 * Compares backprop's gradient with the central differences `d` of the same tensor, element by
 * element. `finer[k]`, the differences at step h / FINER_STEPᵏ⁺¹, are closer looks at elements that
 * fail at h and are not a kink by the one-kink test: with several kinks within h (a bias under a ReLU
 * on MNIST's blank pixels moves thousands of outputs at once, some across 0 at exactly b and others
 * just below), neither one-sided slope is backprop's. If at a finer step the element passes or is a
 * kink, the function bends within h of the point, which no step of h can difference: it is a
 * non-differentiable point. A wrong backward misses at every step, so it still fails.
 */
export function compareGradients(analytic: Tensor, d: Differences, opts: CheckOptions, finer: readonly Differences[] = []): ParamCheck {
  const a = analytic.data;
  const { f0, plus, minus } = d;
  if (a.length !== plus.length || a.length !== minus.length) {
    throw new RangeError(`gradient sizes differ: ${a.length} analytic, ${plus.length} numerical`);
  }
  const h = opts.h;
  const n = new Float64Array(a.length);
  const error = new Float64Array(a.length);
  const relError = new Float64Array(a.length);
  const failed = new Uint8Array(a.length);
  const worst = new Worst(WORST_COUNT);
  let sum = 0;
  let maxAbsDiff = 0;
  let maxRelError = 0;
  let failures = 0;
  let nonDifferentiable = 0;
  for (let i = 0; i < a.length; i++) {
    n[i] = (plus[i] - minus[i]) / (2 * h);
    const diff = Math.abs(a[i] - n[i]);
    error[i] = diff;
    sum += diff;
    relError[i] = diff === 0 ? 0 : diff / Math.max(Math.abs(a[i]), Math.abs(n[i]));
    const tolerance = opts.atol + opts.rtol * Math.abs(n[i]);
    const passes = diff <= tolerance;
    const kink = !passes && (nonDifferentiableAt(a[i], n[i], (plus[i] - f0) / h, (f0 - minus[i]) / h) || finer.some((closer, k) => bendsWithin(a[i], closer, i, opts, opts.h / FINER_STEP ** (k + 1))));
    if (kink) nonDifferentiable++;
    else {
      if (!passes) {
        failures++;
        failed[i] = 1;
      }
      // A kink's difference says nothing about backprop, so it stays out of the maxima (a passing
      // check would otherwise read "max rel 0.5"). Math.max propagates NaN, so a NaN shows in them.
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      maxRelError = Math.max(maxRelError, relError[i]);
    }
    // NaN misses by the most; a zero tolerance makes any difference an infinite miss.
    const miss = Number.isNaN(diff) ? Infinity : diff === 0 ? 0 : tolerance > 0 ? diff / tolerance : Infinity;
    worst.offer(i, !passes && !kink, kink, miss);
  }
  const numerical = tensor(analytic.shape, n);
  return {
    shape: [...analytic.shape],
    meanAbsDiff: a.length === 0 ? 0 : sum / a.length,
    maxAbsDiff,
    maxRelError,
    error: tensor(analytic.shape, error),
    relError: tensor(analytic.shape, relError),
    analytic,
    numerical,
    failures,
    nonDifferentiable,
    failed,
    worst: worst.elements(analytic, numerical),
    ok: failures === 0,
  };
}

/** Whether element i passes, or is a one-kink point, by the differences `finer` at step h. */
function bendsWithin(a: number, finer: Differences, i: number, opts: CheckOptions, h: number): boolean {
  const n = (finer.plus[i] - finer.minus[i]) / (2 * h);
  return Math.abs(a - n) <= opts.atol + opts.rtol * Math.abs(n) || nonDifferentiableAt(a, n, (finer.plus[i] - finer.f0) / h, (finer.f0 - finer.minus[i]) / h);
}

/** The k worst elements seen so far, kept sorted: failures first, then by miss, earlier index first on ties. */
class Worst {
  private readonly kept: { flat: number; failed: boolean; kink: boolean; miss: number }[] = [];

  constructor(private readonly k: number) {}

  offer(flat: number, failed: boolean, kink: boolean, miss: number): void {
    const worse = (x: { failed: boolean; miss: number }) => (failed !== x.failed ? failed : miss > x.miss);
    if (this.kept.length === this.k && !worse(this.kept[this.k - 1])) return;
    let at = this.kept.length;
    while (at > 0 && worse(this.kept[at - 1])) at--;
    this.kept.splice(at, 0, { flat, failed, kink, miss });
    if (this.kept.length > this.k) this.kept.pop();
  }

  elements(analytic: Tensor, numerical: Tensor): WorstElement[] {
    return this.kept.map(({ flat, failed, kink }) => ({
      flat,
      index: unravel(flat, analytic.shape),
      analytic: analytic.data[flat],
      numerical: numerical.data[flat],
      nonDifferentiable: kink,
      failed,
    }));
  }
}

/** Central differences of the objective for each parameter, and of each layer's local objective for its dx. */
interface Differencer {
  /** Clean input of layer `index` (the one the network's objective feeds it). */
  inputOf(index: number): Tensor;
  /** The objective around parameter `k` of layer `index`. */
  param(index: number, k: number, h: number): Differences;
  /** Σ forward(x)·R of layer `index` alone, around its clean input x. */
  input(index: number, R: Tensor, h: number): Differences;
}

/**
 * Checks every parameter of every layer, then the layer's dx, yielding one result at a time (first
 * layer first). The objective is the loss, or the sum of outputs without a loss. A layer's dx is
 * checked on its own: with a fixed random R shaped like its output, f(x) = Σ forward(x)·R, whose
 * gradient is backward(R). Layers with a `frozen` flag are frozen meanwhile, so Dropout reuses its
 * last mask (drawing one only if it has none yet) and BatchNorm keeps its running statistics: every
 * pass computes the same function. Parameters and inputs are perturbed in private copies, so no
 * tensor anyone holds changes. A final clean forward leaves the network's kept tensors and grads as
 * after a plain forward and backward.
 *
 * Each perturbed objective is recomputed only from the perturbed layer on, with column locality
 * after an Affine and row or column locality in dx checks (see SuffixCheck); it equals
 * checkEachParamPlain's up to rounding.
 */
export function* checkEachParam(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions = DEFAULT_CHECK,
): Generator<LayerParamCheck> {
  yield* checkWith(net, x, t, train, opts, () => new SuffixCheck(net, x, t, train));
}

/** checkEachParam recomputing the whole network (or the whole layer, for dx) for every perturbed element: the reference for the fast path. */
export function* checkEachParamPlain(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions = DEFAULT_CHECK,
): Generator<LayerParamCheck> {
  yield* checkWith(net, x, t, train, opts, (): Differencer => {
    const f = (): number => net.objective(x, t, train);
    const f0 = f();
    const inputs: Tensor[] = [];
    let y = x;
    for (const layer of net.layers) {
      inputs.push(y);
      y = layer.forward(y, train);
    }
    return {
      inputOf: (index) => inputs[index],
      param: (index, k, h) => {
        const p = net.layers[index].params[k];
        const original = p.value;
        const work = clone(original);
        p.value = work;
        try {
          return { f0, ...centralDifferences(f, work.data, h) };
        } finally {
          p.value = original;
        }
      },
      input: (index, R, h) => {
        const layer = net.layers[index];
        const work = clone(inputs[index]);
        const g = (): number => dot(layer.forward(work, train).data, R.data);
        return { f0: g(), ...centralDifferences(g, work.data, h) };
      },
    };
  });
}

/** Seed of the dx checks' projections; layer i draws its R from seed + i. */
const PROJECTION_SEED = 0x5eed0d;

/** The frame both checks share; `prepare` runs after the analytic pass, with every layer frozen. */
function* checkWith(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions,
  prepare: () => Differencer,
): Generator<LayerParamCheck> {
  const wasFrozen = net.layers.map((layer) => layer.frozen);
  for (const layer of net.layers) if (layer.frozen !== undefined) layer.frozen = true;
  try {
    net.objective(x, t, train);
    net.backward();
    const analytic = net.layers.map((layer) => layer.params.map((p) => p.grad));
    const differ = prepare();
    for (const [index, layer] of net.layers.entries()) {
      for (const [k, p] of layer.params.entries()) {
        const grad = analytic[index][k];
        if (!grad) throw new Error(`${layer.name}: backward set no gradient for ${p.name}`);
        const result = closerLooks(grad, differ.param(index, k, opts.h), opts, (h) => differ.param(index, k, h));
        yield { index, name: layer.name, param: p.name, result };
      }
      const { dx, R } = localBackward(layer, differ.inputOf(index), train, new Rng(PROJECTION_SEED + index));
      yield { index, name: layer.name, param: 'dx', result: closerLooks(dx, differ.input(index, R, opts.h), opts, (h) => differ.input(index, R, h)) };
    }
    net.objective(x, t, train);
  } finally {
    net.layers.forEach((layer, i) => {
      if (wasFrozen[i] !== undefined) layer.frozen = wasFrozen[i];
    });
  }
}

/** compareGradients of `d`, again with differences at a finer step (`at(h)`) while some elements fail, up to CLOSER_LOOKS times. */
function closerLooks(analytic: Tensor, d: Differences, opts: CheckOptions, at: (h: number) => Differences): ParamCheck {
  const finer: Differences[] = [];
  let result = compareGradients(analytic, d, opts);
  while (result.failures > 0 && finer.length < CLOSER_LOOKS) {
    finer.push(at(opts.h / FINER_STEP ** (finer.length + 1)));
    result = compareGradients(analytic, d, opts, finer);
  }
  return result;
}

/**
 * backward(R) of `layer` alone after a fresh forward of `x`, for R of normal draws shaped like its
 * output. The parameters' grads are put back afterwards, so the network's stay as after backward.
 */
function localBackward(layer: Layer, x: Tensor, train: boolean, rng: Rng): { dx: Tensor; R: Tensor } {
  const grads = layer.params.map((p) => p.grad);
  try {
    const out = layer.forward(x, train);
    const R = tensor(out.shape, Float64Array.from(out.data, () => rng.normal()));
    return { dx: layer.backward(R), R };
  } finally {
    layer.params.forEach((p, i) => (p.grad = grads[i]));
  }
}

/** Σ a[i]·b[i] in index order. */
function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * Central differences that recompute only what a perturbation changes, from the activations of one
 * clean (frozen) forward:
 * - a parameter of layer k re-runs layers k.. from layer k's cached input;
 * - Affine's W[i, j] (or b[j]) changes only column j of out = x·W + b, by δ·x[:, i] (or δ); layers
 *   with forwardColumn keep the change in column j and recompute just that column; a following
 *   Affine changes by the rank-1 term (a'[:, j] − a[:, j]) ⊗ W[j, :]; later layers run whole.
 * - Convolution's W[f, c, i, j] (or b[f]) changes only output channel f, by δ times the input under
 *   the filter's tap (or δ); the layers after run from there, an Affine by the rank update of the
 *   inputs that changed;
 * - in a dx check, x[r, i] of an Affine changes only row r of its output, by δ·W[i, :]; x[r, j] of a
 *   layer with forwardColumn changes only column j, which it recomputes; a pixel under a Convolution
 *   or Pooling changes only the windows that cover it; other layers (custom ones among them) run whole.
 * δ is the step the plain check takes, (v ± h) − v, so both compute one function up to rounding.
 * Work buffers are allocated once; tensors handed to layers wrap them and are rewritten each pass,
 * which only the layers' own kept state sees until the check's final clean forward.
 */
class SuffixCheck implements Differencer {
  private readonly layers: readonly Layer[];
  /** Input of each layer in the clean forward. */
  private readonly inputs: Tensor[] = [];
  /** Output of each layer in the clean forward. */
  private readonly outputs: Tensor[] = [];
  /** Work copies of layer outputs, by layer index, made on first use. */
  private readonly work = new Map<number, Tensor>();
  /** Work copies of 4-D layer outputs, by layer index, kept equal to the clean output between passes (channelObjective). */
  private readonly channelWork = new Map<number, Tensor>();
  /** The loss, with targets shaped like the network output so that it need not expand labels on every pass. */
  private readonly loss: { layer: LossLayer; targets: Tensor } | null = null;
  /** The weight penalty ½λΣ‖W‖² at the clean params, part of the loss objective. */
  private readonly penalty: number;
  /** Weight decay λ. */
  private readonly weightDecay: number;
  /** The objective of the clean forward. */
  private readonly f0: number;

  constructor(
    net: Sequential,
    x: Tensor,
    t: Tensor | null,
    private readonly train: boolean,
  ) {
    this.layers = net.layers;
    this.weightDecay = net.weightDecay;
    this.penalty = net.penalty();
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
    this.f0 = this.objectiveFrom(this.layers.length, y);
  }

  inputOf(index: number): Tensor {
    return this.inputs[index];
  }

  param(index: number, k: number, h: number): Differences {
    const layer = this.layers[index];
    if (layer.type === 'affine') return this.affineDifferences(index, k === 0, h);
    if (layer.type === 'convolution') return this.convolutionDifferences(index, k === 0, h);
    // A Python layer followed by Python layers and loss runs the whole loop in the bridge, one request per parameter.
    if (layer instanceof CustomLayer) {
      const fast = layer.suffixDifferences(k, h, this.inputs[index], this.layers.slice(index + 1), this.loss?.layer ?? null, this.loss?.targets ?? null);
      if (fast) {
        // The weight penalty is the built-in Affines' and does not move with a Python layer's parameter.
        const penalty = this.loss ? this.penalty : 0;
        return { f0: this.f0, plus: fast.plus.map((f) => f + penalty), minus: fast.minus.map((f) => f + penalty) };
      }
    }
    const p = layer.params[k];
    const original = p.value;
    const work = clone(original);
    p.value = work;
    try {
      return { f0: this.f0, ...centralDifferences(() => this.objectiveFrom(index, this.inputs[index]), work.data, h) };
    } finally {
      p.value = original;
    }
  }

  input(index: number, R: Tensor, h: number): Differences {
    const layer = this.layers[index];
    const x = this.inputs[index];
    const f0 = dot(this.outputs[index].data, R.data);
    if (x.data.length === 0) return { f0, plus: new Float64Array(0), minus: new Float64Array(0) };
    if (layer.type === 'affine') return this.affineInputDifferences(index, R, f0, h);
    if (layer.type === 'convolution') return this.convolutionInputDifferences(index, R, f0, h);
    if (layer.type === 'pooling') return this.poolingInputDifferences(index, R, f0, h);
    // BatchNorm on [N, C, H, W] normalises per channel, so there a column is not on its own.
    if (layer.forwardColumn && !(layer.type === 'batchnorm' && x.shape.length === 4)) return this.columnInputDifferences(index, R, f0, h);
    const fast = layer instanceof CustomLayer ? layer.inputDifferences(h, x, R) : null;
    if (fast) return { f0, ...fast };
    const work = clone(x);
    return { f0, ...centralDifferences(() => dot(layer.forward(work, this.train).data, R.data), work.data, h) };
  }

  /**
   * Central differences for the W (`isW`) or b of the Affine at `index`, one output column at a time.
   * Type 'affine' promises forward computes out = x·W + b.
   */
  private affineDifferences(index: number, isW: boolean, h: number): Differences {
    const [d, m] = this.layers[index].params[0].value.shape;
    const values = this.layers[index].params[isW ? 0 : 1].value.data;
    const x = flatten2d(this.inputs[index]).data;
    const col = new Float64Array(this.outputs[index].shape[0]);
    const plus = new Float64Array(values.length);
    const minus = new Float64Array(values.length);
    for (let e = 0; e < values.length; e++) {
      const i = isW ? Math.floor(e / m) : -1;
      const j = isW ? e % m : e;
      const v = values[e];
      plus[e] = this.columnObjective(index, x, d, m, i, j, v + h - v, col) + (isW ? this.penaltyChange(v, v + h) : 0);
      minus[e] = this.columnObjective(index, x, d, m, i, j, v - h - v, col) + (isW ? this.penaltyChange(v, v - h) : 0);
    }
    return { f0: this.f0, plus, minus };
  }

  /**
   * Σ out·R of the Affine at `index` with x[r, i] moved by ±h: only row r of out changes, by δ·W[i, :],
   * so each pass replaces row r's share of f0.
   */
  private affineInputDifferences(index: number, R: Tensor, f0: number, h: number): Differences {
    const W = this.layers[index].params[0].value;
    const [d, m] = W.shape;
    const x = flatten2d(this.inputs[index]).data;
    const out = this.outputs[index].data;
    const r = R.data;
    const rowShare = new Float64Array(x.length / d);
    for (let row = 0; row < rowShare.length; row++) rowShare[row] = dot(out.subarray(row * m, (row + 1) * m), r.subarray(row * m, (row + 1) * m));
    const moved = (row: number, i: number, delta: number): number => {
      let share = 0;
      for (let c = 0; c < m; c++) share += (out[row * m + c] + delta * W.data[i * m + c]) * r[row * m + c];
      return f0 - rowShare[row] + share;
    };
    const plus = new Float64Array(x.length);
    const minus = new Float64Array(x.length);
    for (let e = 0; e < x.length; e++) {
      const [row, i] = [Math.floor(e / d), e % d];
      const v = x[e];
      plus[e] = moved(row, i, v + h - v);
      minus[e] = moved(row, i, v - h - v);
    }
    return { f0, plus, minus };
  }

  /**
   * Central differences for the W (`isW`) or b of the Convolution at `index`. Type 'convolution'
   * promises out[n, f] = Σ W[f]·(x's window) + b[f], so W[f, c, i, j] (or b[f]) moves output channel
   * f alone, by δ·x[n, c, oy·s + i − p, ox·s + j − p] (or δ); the layers after run from there, an
   * Affine among them by the rank update of the inputs that changed (objectiveAfterChange).
   */
  private convolutionDifferences(index: number, isW: boolean, h: number): Differences {
    const conv = this.layers[index] as Convolution;
    const [fn, c, fh, fw] = conv.params[0].value.shape;
    const { stride, pad } = conv.window;
    const values = conv.params[isW ? 0 : 1].value.data;
    const x = this.inputs[index];
    const [n, , H, W] = x.shape;
    const [, , OH, OW] = this.outputs[index].shape;
    const moved = (e: number, delta: number): number => {
      const changed = this.cleanChannels(index);
      const out = changed.data;
      const f = isW ? Math.floor(e / (c * fh * fw)) : e;
      const [ch, i, j] = isW ? [Math.floor(e / (fh * fw)) % c, Math.floor(e / fw) % fh, e % fw] : [0, 0, 0];
      for (let s = 0; s < n; s++) {
        for (let oy = 0; oy < OH; oy++) {
          const y = oy * stride + i - pad;
          for (let ox = 0; ox < OW; ox++) {
            const xx = ox * stride + j - pad;
            const v = !isW ? 1 : y >= 0 && y < H && xx >= 0 && xx < W ? x.data[((s * c + ch) * H + y) * W + xx] : 0;
            out[((s * fn + f) * OH + oy) * OW + ox] += delta * v;
          }
        }
      }
      return this.channelObjective(index, f, changed);
    };
    const plus = new Float64Array(values.length);
    const minus = new Float64Array(values.length);
    for (let e = 0; e < values.length; e++) {
      const v = values[e];
      plus[e] = moved(e, v + h - v);
      minus[e] = moved(e, v - h - v);
    }
    return { f0: this.f0, plus, minus };
  }

  /**
   * Σ out·R of the Convolution at `index` with x[n, c, y, x] moved by δ: each output whose window
   * covers the pixel moves by δ·W[f, c, y − oy·s + p, x − ox·s + p], so f changes by δ times the sum
   * of those weights times R.
   */
  private convolutionInputDifferences(index: number, R: Tensor, f0: number, h: number): Differences {
    const conv = this.layers[index] as Convolution;
    const W = conv.params[0].value;
    const [fn, c, fh, fw] = W.shape;
    const { stride, pad } = conv.window;
    const x = this.inputs[index].data;
    const [, , H, Wd] = this.inputs[index].shape;
    const [, , OH, OW] = this.outputs[index].shape;
    const plus = new Float64Array(x.length);
    const minus = new Float64Array(x.length);
    for (let e = 0; e < x.length; e++) {
      const [s, ch, y, xx] = [Math.floor(e / (c * H * Wd)), Math.floor(e / (H * Wd)) % c, Math.floor(e / Wd) % H, e % Wd];
      const [oy0, oy1] = covering(y, fh, stride, pad, OH);
      const [ox0, ox1] = covering(xx, fw, stride, pad, OW);
      let slope = 0;
      for (let f = 0; f < fn; f++) {
        for (let oy = oy0; oy <= oy1; oy++) {
          for (let ox = ox0; ox <= ox1; ox++) {
            const w = W.data[((f * c + ch) * fh + (y - oy * stride + pad)) * fw + (xx - ox * stride + pad)];
            slope += w * R.data[((s * fn + f) * OH + oy) * OW + ox];
          }
        }
      }
      const v = x[e];
      plus[e] = f0 + (v + h - v) * slope;
      minus[e] = f0 + (v - h - v) * slope;
    }
    return { f0, plus, minus };
  }

  /**
   * Σ out·R of the Pooling at `index` with one input pixel moved by ±h: only the windows covering it
   * change, which the layer recomputes (outputWith), so each pass replaces their share of f0.
   */
  private poolingInputDifferences(index: number, R: Tensor, f0: number, h: number): Differences {
    const pool = this.layers[index] as Pooling;
    const { fh, fw, stride, pad } = pool.window;
    const x = this.inputs[index];
    const [, , H, W] = x.shape;
    const out = this.outputs[index].data;
    const [, , OH, OW] = this.outputs[index].shape;
    const plus = new Float64Array(x.data.length);
    const minus = new Float64Array(x.data.length);
    for (let e = 0; e < x.data.length; e++) {
      const [plane, y, xx] = [Math.floor(e / (H * W)), Math.floor(e / W) % H, e % W];
      const [oy0, oy1] = covering(y, fh, stride, pad, OH);
      const [ox0, ox1] = covering(xx, fw, stride, pad, OW);
      let share = 0;
      let up = 0;
      let down = 0;
      for (let oy = oy0; oy <= oy1; oy++) {
        for (let ox = ox0; ox <= ox1; ox++) {
          const o = (plane * OH + oy) * OW + ox;
          share += out[o] * R.data[o];
          up += pool.outputWith(x, o, e, x.data[e] + h) * R.data[o];
          down += pool.outputWith(x, o, e, x.data[e] - h) * R.data[o];
        }
      }
      plus[e] = f0 - share + up;
      minus[e] = f0 - share + down;
    }
    return { f0, plus, minus };
  }

  /**
   * Σ out·R of the column-wise layer at `index` with x[r, j] (of x as [N, width]) moved by ±h: only
   * column j of out changes, which forwardColumn recomputes, so each pass replaces column j's share of f0.
   */
  private columnInputDifferences(index: number, R: Tensor, f0: number, h: number): Differences {
    const layer = this.layers[index];
    const x = this.inputs[index].data;
    const out = this.outputs[index].data;
    const r = R.data;
    const n = this.inputs[index].shape[0];
    const width = x.length / n;
    const columnShare = new Float64Array(width);
    for (let row = 0; row < n; row++) for (let j = 0; j < width; j++) columnShare[j] += out[row * width + j] * r[row * width + j];
    const col = new Float64Array(n);
    const moved = (row: number, j: number, value: number): number => {
      for (let k = 0; k < n; k++) col[k] = x[k * width + j];
      col[row] = value;
      layer.forwardColumn!(col, j, width, this.train);
      let share = 0;
      for (let k = 0; k < n; k++) share += col[k] * r[k * width + j];
      return f0 - columnShare[j] + share;
    };
    const plus = new Float64Array(x.length);
    const minus = new Float64Array(x.length);
    for (let e = 0; e < x.length; e++) {
      const [row, j] = [Math.floor(e / width), e % width];
      plus[e] = moved(row, j, x[e] + h);
      minus[e] = moved(row, j, x[e] - h);
    }
    return { f0, plus, minus };
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

  /** How the weight penalty changes when one affine W element moves from `w` to `moved`: ½λ(moved² − w²). */
  private penaltyChange(w: number, moved: number): number {
    return this.weightDecay !== 0 ? 0.5 * this.weightDecay * (moved * moved - w * w) : 0;
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

  /**
   * The objective with `changed`, layer `index`'s output [N, C, H, W] that differs from the clean
   * one in channel f alone, fed on. Elementwise layers (forwardColumn, BatchNorm aside) and Pooling
   * keep the change in channel f and recompute just that channel; from the first other layer on,
   * objectiveAfterChange runs. Every channel buffer touched is put back to clean afterwards.
   */
  private channelObjective(index: number, f: number, changed: Tensor): number {
    const touched = [index];
    try {
      let y = changed;
      let l = index + 1;
      for (; l < this.layers.length; l++) {
        const layer = this.layers[l];
        const [n, c] = y.shape;
        if (layer.type === 'pooling') {
          const out = this.cleanChannels(l);
          const plane = out.data.length / (n * c);
          for (let s = 0; s < n; s++) for (let o = (s * c + f) * plane; o < (s * c + f + 1) * plane; o++) out.data[o] = (layer as Pooling).outputWith(y, o, -1, 0);
          touched.push(l);
          y = out;
        } else if (layer.forwardColumn && layer.type !== 'batchnorm' && y.shape.length === 4) {
          const out = this.cleanChannels(l);
          const width = y.data.length / n;
          const plane = width / c;
          const col = new Float64Array(n);
          for (let j = f * plane; j < (f + 1) * plane; j++) {
            for (let s = 0; s < n; s++) col[s] = y.data[s * width + j];
            layer.forwardColumn(col, j, width, this.train);
            for (let s = 0; s < n; s++) out.data[s * width + j] = col[s];
          }
          touched.push(l);
          y = out;
        } else break;
      }
      return this.objectiveAfterChange(l, y);
    } finally {
      for (const l of touched) {
        const [n, c] = this.outputs[l].shape;
        const plane = this.outputs[l].data.length / (n * c);
        for (let s = 0; s < n; s++) {
          const from = (s * c + f) * plane;
          this.channelWork.get(l)!.data.set(this.outputs[l].data.subarray(from, from + plane), from);
        }
      }
    }
  }

  /** The channel work buffer of layer `index`'s output, equal to its clean output. */
  private cleanChannels(index: number): Tensor {
    let buffer = this.channelWork.get(index);
    if (!buffer) {
      buffer = clone(this.outputs[index]);
      this.channelWork.set(index, buffer);
    }
    return buffer;
  }

  /**
   * objectiveFrom(index, input) for an input that differs from the clean one in few places: an
   * Affine adds (x'[r, k] − x[r, k])·W[k, :] to its clean output for the inputs that changed,
   * instead of the whole product; other layers run whole.
   */
  private objectiveAfterChange(index: number, input: Tensor): number {
    let y = input;
    for (let l = index; l < this.layers.length; l++) {
      const layer = this.layers[l];
      if (layer.type !== 'affine') {
        y = layer.forward(y, this.train);
        continue;
      }
      const W = layer.params[0].value;
      const [d, m] = W.shape;
      const clean = this.inputs[l].data;
      const after = this.workCopy(l);
      for (let r = 0; r * d < clean.length; r++) {
        for (let k = 0; k < d; k++) {
          const change = y.data[r * d + k] - clean[r * d + k];
          if (change === 0) continue;
          for (let c = 0; c < m; c++) after.data[r * m + c] += change * W.data[k * m + c];
        }
      }
      y = after;
    }
    return this.objectiveOf(y);
  }

  /** The objective with `input` fed to layer `index` (the network output when index is past the last layer). */
  private objectiveFrom(index: number, input: Tensor): number {
    let y = input;
    for (let l = index; l < this.layers.length; l++) y = this.layers[l].forward(y, this.train);
    return this.objectiveOf(y);
  }

  /** The loss of network output `y` with the clean weight penalty, or the sum of its elements without a loss. */
  private objectiveOf(y: Tensor): number {
    if (this.loss) return this.loss.layer.forward(y, this.loss.targets) + this.penalty;
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
