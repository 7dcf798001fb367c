// Gradient check: backprop's gradients against central differences, element by element, as the
// book's gradient_check.py does, but with a pass test per element instead of one mean.
import type { ParamName } from './layer';
import type { Sequential } from './network';
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

/**
 * Checks every parameter of every layer, yielding one result at a time (first layer first).
 * The objective is the loss, or the sum of outputs without a loss. Layers with a `frozen` flag are
 * frozen meanwhile, so Dropout reuses its last mask (drawing one only if it has none yet) and
 * BatchNorm keeps its running statistics: every pass computes the same function. Parameters are
 * perturbed in a private copy, so no tensor anyone holds changes. A final clean forward leaves the
 * network's kept tensors and grads as after a plain forward and backward.
 */
export function* checkEachParam(
  net: Sequential,
  x: Tensor,
  t: Tensor | null,
  train: boolean,
  opts: CheckOptions = DEFAULT_CHECK,
): Generator<LayerParamCheck> {
  const wasFrozen = net.layers.map((layer) => layer.frozen);
  for (const layer of net.layers) if (layer.frozen !== undefined) layer.frozen = true;
  try {
    net.objective(x, t, train);
    net.backward();
    const analytic = net.layers.map((layer) => layer.params.map((p) => p.grad));
    const f = (): number => net.objective(x, t, train);
    for (const [index, layer] of net.layers.entries()) {
      for (const [k, p] of layer.params.entries()) {
        const original = p.value;
        const work = clone(original);
        p.value = work;
        let numerical: Float64Array;
        try {
          numerical = numericalGradient(f, work.data, opts.h);
        } finally {
          p.value = original;
        }
        const grad = analytic[index][k];
        if (!grad) throw new Error(`${layer.name}: backward set no gradient for ${p.name}`);
        const result = compareGradients(grad, tensor(original.shape, numerical), opts);
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
