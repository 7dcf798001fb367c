// Parameter update rules after the book's ch. 6 common/optimizer.py, with its defaults and its exact
// order of float operations. update() replaces each param's value by a new tensor, never writing into
// the old one: a value streamed to a viewer must never change after it is sent. updateInPlace() writes
// into the value instead, for the fast training step, which streams nothing; both run the same rule
// code, so their results are the same bits. Per-parameter state (velocity, squared-gradient sums,
// moments) is private and kept per Param object.
import type { Param } from './layer';
import { tensor } from './tensor';

/** The optimizers, as spelled in specs. */
export type OptimizerType = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam';

/** An optimizer's settings; fields left out take the book's defaults. */
export interface OptimizerOptions {
  /** Which rule. */
  type: OptimizerType;
  /** Learning rate (default 0.01; Adam 0.001). */
  lr?: number;
  /** Momentum's and Nesterov's velocity decay (default 0.9). */
  momentum?: number;
  /** RMSprop's squared-gradient decay, the book's decay_rate (default 0.99). */
  decay?: number;
  /** Adam's first-moment decay (default 0.9). */
  beta1?: number;
  /** Adam's second-moment decay (default 0.999). */
  beta2?: number;
}

/** An update rule applied after each backward. */
export interface Optimizer {
  /** Replaces each param's value by its updated value, a new tensor, using its current grad. */
  update(params: readonly Param[]): void;
  /**
   * The same update, written into each param.value.data instead of a new tensor. Only for callers
   * that never streamed (or otherwise kept) those value tensors, which this changes.
   */
  updateInPlace(params: readonly Param[]): void;
}

/** The book's guard against division by zero in AdaGrad, RMSprop and Adam. */
const EPS = 1e-7;

/** Per-parameter state arrays, created zero-filled on first use. */
class State {
  private readonly arrays = new Map<Param, Float64Array>();
  /** The state of `p`, zeros at first. */
  of(p: Param): Float64Array {
    let a = this.arrays.get(p);
    if (!a) this.arrays.set(p, (a = new Float64Array(p.value.data.length)));
    return a;
  }
}

/** The param's gradient, which must be set and shaped like its value. */
function gradOf(p: Param): Float64Array {
  if (!p.grad) throw new Error(`${p.name} has no gradient: run backward before update`);
  if (p.grad.data.length !== p.value.data.length) throw new Error(`${p.name}: gradient size ${p.grad.data.length} differs from value size ${p.value.data.length}`);
  return p.grad.data;
}

/** The update loop both methods share; a rule writes each param's new values into `out`. */
abstract class Rule implements Optimizer {
  update(params: readonly Param[]): void {
    this.begin();
    for (const p of params) {
      const g = gradOf(p);
      const next = new Float64Array(p.value.data.length);
      this.next(p, p.value.data, g, next);
      p.value = tensor(p.value.shape, next);
    }
  }

  updateInPlace(params: readonly Param[]): void {
    this.begin();
    for (const p of params) this.next(p, p.value.data, gradOf(p), p.value.data);
  }

  /** Called once per update, before the params (Adam counts its steps here). */
  protected begin(): void {}

  /** Writes the new value of `p` (value `w`, gradient `g`) into `out`, which may be `w` itself: element i reads only index i. */
  protected abstract next(p: Param, w: Float64Array, g: Float64Array, out: Float64Array): void;
}

/** W ← W − lr·dW. */
export class SGD extends Rule {
  /** SGD with learning rate `lr`. */
  constructor(
    /** Learning rate. */
    readonly lr = 0.01,
  ) {
    super();
  }

  protected next(_p: Param, w: Float64Array, g: Float64Array, out: Float64Array): void {
    const lr = this.lr;
    for (let i = 0; i < out.length; i++) out[i] = w[i] - lr * g[i];
  }
}

/** v ← momentum·v − lr·dW; W ← W + v. */
export class Momentum extends Rule {
  protected readonly v = new State();
  /** Momentum SGD. */
  constructor(
    /** Learning rate. */
    readonly lr = 0.01,
    /** Velocity decay. */
    readonly momentum = 0.9,
  ) {
    super();
  }

  protected next(p: Param, w: Float64Array, g: Float64Array, out: Float64Array): void {
    const [lr, momentum, v] = [this.lr, this.momentum, this.v.of(p)];
    for (let i = 0; i < out.length; i++) {
      v[i] = momentum * v[i] - lr * g[i];
      out[i] = w[i] + v[i];
    }
  }
}

/**
 * The book's Nesterov form, with Momentum's settings and velocity: v ← momentum·v − lr·dW;
 * W ← W + momentum²·v − (1 + momentum)·lr·dW.
 */
export class Nesterov extends Momentum {
  protected override next(p: Param, w: Float64Array, g: Float64Array, out: Float64Array): void {
    const [lr, momentum, v] = [this.lr, this.momentum, this.v.of(p)];
    for (let i = 0; i < out.length; i++) {
      v[i] *= momentum;
      v[i] -= lr * g[i];
      out[i] = w[i] + momentum * momentum * v[i] - (1 + momentum) * lr * g[i];
    }
  }
}

/** h ← h + dW²; W ← W − lr·dW / (√h + 1e-7). */
export class AdaGrad extends Rule {
  protected readonly h = new State();
  /** AdaGrad with learning rate `lr`. */
  constructor(
    /** Learning rate. */
    readonly lr = 0.01,
  ) {
    super();
  }

  protected next(p: Param, w: Float64Array, g: Float64Array, out: Float64Array): void {
    const [lr, h] = [this.lr, this.h.of(p)];
    for (let i = 0; i < out.length; i++) {
      h[i] += g[i] * g[i];
      out[i] = w[i] - (lr * g[i]) / (Math.sqrt(h[i]) + EPS);
    }
  }
}

/** AdaGrad's rule with a decaying sum, h ← decay·h + (1 − decay)·dW²; W ← W − lr·dW / (√h + 1e-7). */
export class RMSprop extends AdaGrad {
  /** RMSprop. */
  constructor(
    lr = 0.01,
    /** Squared-gradient decay. */
    readonly decay = 0.99,
  ) {
    super(lr);
  }

  protected override next(p: Param, w: Float64Array, g: Float64Array, out: Float64Array): void {
    const [lr, decay, h] = [this.lr, this.decay, this.h.of(p)];
    for (let i = 0; i < out.length; i++) {
      h[i] *= decay;
      h[i] += (1 - decay) * g[i] * g[i];
      out[i] = w[i] - (lr * g[i]) / (Math.sqrt(h[i]) + EPS);
    }
  }
}

/**
 * The book's Adam: at step t, lr_t = lr·√(1 − β2^t) / (1 − β1^t); m ← m + (1 − β1)(dW − m);
 * v ← v + (1 − β2)(dW² − v); W ← W − lr_t·m / (√v + 1e-7).
 */
export class Adam extends Rule {
  private readonly m = new State();
  private readonly v = new State();
  /** Updates done so far (the t of the bias correction). */
  private iter = 0;
  /** lr_t of the current update. */
  private lrT = 0;
  /** Adam. */
  constructor(
    /** Learning rate. */
    readonly lr = 0.001,
    /** First-moment decay. */
    readonly beta1 = 0.9,
    /** Second-moment decay. */
    readonly beta2 = 0.999,
  ) {
    super();
  }

  protected override begin(): void {
    this.iter++;
    this.lrT = (this.lr * Math.sqrt(1 - this.beta2 ** this.iter)) / (1 - this.beta1 ** this.iter);
  }

  protected next(p: Param, w: Float64Array, g: Float64Array, out: Float64Array): void {
    const [lrT, beta1, beta2, m, v] = [this.lrT, this.beta1, this.beta2, this.m.of(p), this.v.of(p)];
    for (let i = 0; i < out.length; i++) {
      m[i] += (1 - beta1) * (g[i] - m[i]);
      v[i] += (1 - beta2) * (g[i] ** 2 - v[i]);
      out[i] = w[i] - (lrT * m[i]) / (Math.sqrt(v[i]) + EPS);
    }
  }
}

/** The optimizer `options` describe, the book's defaults filling what they leave out. */
export function createOptimizer(options: OptimizerOptions): Optimizer {
  switch (options.type) {
    case 'sgd':
      return new SGD(options.lr);
    case 'momentum':
      return new Momentum(options.lr, options.momentum);
    case 'nesterov':
      return new Nesterov(options.lr, options.momentum);
    case 'adagrad':
      return new AdaGrad(options.lr);
    case 'rmsprop':
      return new RMSprop(options.lr, options.decay);
    case 'adam':
      return new Adam(options.lr, options.beta1, options.beta2);
  }
}
