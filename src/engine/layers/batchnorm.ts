// Batch normalisation after the book's ch. 6 layer: out = gamma·xn + beta with xn = (x − mu)/std.
// Training uses the batch's mean and (biased) variance and moves the running statistics toward them
// with momentum; evaluation uses the running statistics. Inputs of rank 3 are flattened to [N, D].
// On [N, C, H, W] (after a convolution) it normalises per channel over N·H·W, with gamma and beta
// [C], as the issue asks; the book's layer instead flattens 4-D input to [N, C·H·W] and normalises
// each pixel of each channel on its own. Per channel is what convnets use, and keeps C parameters.
import type { Layer, Param } from '../layer';
import { columnSums, flatten2d } from '../ops';
import { tensor, zeros, type Tensor } from '../tensor';

/** Batch normalisation over the batch axis, one gamma and beta per feature. */
export class BatchNorm implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'batchnorm' as const;
  /** [gamma, beta]. */
  readonly params: readonly Param[];
  /** Running mean per feature, used in evaluation; starts at 0 as in the book. */
  runningMean: Tensor;
  /** Running (biased) variance per feature, used in evaluation; starts at 0 as in the book. */
  runningVar: Tensor;
  /** While true, training forwards leave the running statistics unchanged. */
  frozen = false;
  /** x − mu of the last forward, [N, D] (for 4-D input, [N·H·W, C]). */
  private xc: Tensor | null = null;
  /** Normalised input xc / std of the last forward, [N, D]. */
  private xn: Tensor | null = null;
  /** √(var + eps) per feature of the last forward, [D]. */
  private std: Tensor | null = null;
  /** Mode of the last forward, which backward follows. */
  private train = false;
  /** Shape of the last forward's input, which dx takes back. */
  private xShape: readonly number[] = [];

  /** A layer with scale gamma [D] and shift beta [D]. */
  constructor(
    readonly name: string,
    gamma: Tensor,
    beta: Tensor,
    /** Added to the variance before the square root (the book uses 10e-7). */
    readonly eps = 1e-5,
    /** Weight of the old running statistics in each update. */
    readonly momentum = 0.9,
  ) {
    const d = gamma.data.length;
    if (gamma.shape.length !== 1) throw new RangeError(`${name}: gamma must be a vector, got shape [${gamma.shape.join(', ')}]`);
    if (beta.shape.length !== 1 || beta.shape[0] !== d) throw new RangeError(`${name}: beta must have shape [${d}], got [${beta.shape.join(', ')}]`);
    this.params = [
      { name: 'gamma', value: gamma, grad: null },
      { name: 'beta', value: beta, grad: null },
    ];
    this.runningMean = zeros([d]);
    this.runningVar = zeros([d]);
  }

  kept(): Readonly<Record<string, Tensor>> {
    return this.xc && this.xn && this.std ? { xc: this.xc, xn: this.xn, std: this.std } : {};
  }

  forward(x: Tensor, train: boolean): Tensor {
    const gamma = this.params[0].value.data;
    const beta = this.params[1].value.data;
    const d = gamma.length;
    if (x.shape.length < 2) throw new RangeError(`${this.name} expects a batch [N, ...], got shape [${x.shape.join(', ')}]`);
    const x2 = x.shape.length === 4 ? channelsLast(x) : flatten2d(x);
    const n = x2.shape[0];
    if (x2.shape[1] !== d) throw new RangeError(`${this.name} expects input width ${d}, gets ${x2.shape[1]}`);
    if (train && n === 0) throw new RangeError(`${this.name} needs a non-empty batch in training`);
    const [mu, variance] = train ? batchMoments(x2) : [this.runningMean.data, this.runningVar.data];
    const std = variance.map((v) => Math.sqrt(v + this.eps));
    const xc = new Float64Array(n * d);
    for (let r = 0; r < xc.length; r += d) for (let j = 0; j < d; j++) xc[r + j] = x2.data[r + j] - mu[j];
    const xn = new Float64Array(n * d);
    const out = new Float64Array(n * d);
    for (let r = 0; r < xn.length; r += d) {
      for (let j = 0; j < d; j++) {
        xn[r + j] = xc[r + j] / std[j];
        out[r + j] = gamma[j] * xn[r + j] + beta[j];
      }
    }
    if (train && !this.frozen) {
      const m = this.momentum;
      this.runningMean = tensor([d], this.runningMean.data.map((v, j) => m * v + (1 - m) * mu[j]));
      this.runningVar = tensor([d], this.runningVar.data.map((v, j) => m * v + (1 - m) * variance[j]));
    }
    this.train = train;
    this.xShape = x.shape;
    this.xc = tensor([n, d], xc);
    this.xn = tensor([n, d], xn);
    this.std = tensor([d], std);
    return x.shape.length === 4 ? channelsFirst(out, x.shape) : tensor(x.shape, out);
  }

  forwardColumn(col: Float64Array, j: number, _width: number, train: boolean): void {
    const n = col.length;
    if (train && n === 0) throw new RangeError(`${this.name} needs a non-empty batch in training`);
    // The same operations in the same order as forward and batchMoments, so the bits agree.
    let mu = this.runningMean.data[j];
    let variance = this.runningVar.data[j];
    if (train) {
      let sum = 0;
      for (let r = 0; r < n; r++) sum += col[r];
      mu = sum / n;
      let squares = 0;
      for (let r = 0; r < n; r++) {
        const c = col[r] - mu;
        squares += c * c;
      }
      variance = squares / n;
    }
    const std = Math.sqrt(variance + this.eps);
    const gamma = this.params[0].value.data[j];
    const beta = this.params[1].value.data[j];
    for (let r = 0; r < n; r++) col[r] = gamma * ((col[r] - mu) / std) + beta;
  }

  backward(dout: Tensor): Tensor {
    if (!this.xc || !this.xn || !this.std) throw new Error(`${this.name}: backward before forward`);
    const [n, d] = this.xc.shape;
    if (dout.data.length !== n * d) {
      throw new RangeError(`${this.name}: dout has shape [${dout.shape.join(', ')}], forward gave [${this.xShape.join(', ')}]`);
    }
    const g = this.xShape.length === 4 ? channelsLast(dout).data : dout.data;
    const gamma = this.params[0].value.data;
    const xc = this.xc.data;
    const xn = this.xn.data;
    const std = this.std.data;
    // dbeta = Σ dout; dgamma = Σ xn·dout (sums over the batch).
    const dbeta = new Float64Array(d);
    const dgamma = new Float64Array(d);
    for (let r = 0; r < g.length; r += d) {
      for (let j = 0; j < d; j++) {
        dbeta[j] += g[r + j];
        dgamma[j] += xn[r + j] * g[r + j];
      }
    }
    this.params[0].grad = tensor([d], dgamma);
    this.params[1].grad = tensor([d], dbeta);
    const dx = new Float64Array(n * d);
    if (!this.train) {
      // Running statistics are constants: dx = gamma·dout / std.
      for (let r = 0; r < dx.length; r += d) for (let j = 0; j < d; j++) dx[r + j] = (gamma[j] * g[r + j]) / std[j];
      return this.shapedLikeInput(dx);
    }
    // The book's chain: dxn = gamma·dout; dxc = dxn/std; dstd = −Σ dxn·xc/std²; dvar = 0.5·dstd/std;
    // dxc += (2/N)·xc·dvar; dmu = Σ dxc; dx = dxc − dmu/N.
    const dstd = new Float64Array(d);
    for (let r = 0; r < dx.length; r += d) {
      for (let j = 0; j < d; j++) {
        const dxn = gamma[j] * g[r + j];
        dx[r + j] = dxn / std[j];
        dstd[j] -= (dxn * xc[r + j]) / (std[j] * std[j]);
      }
    }
    const dmu = new Float64Array(d);
    for (let r = 0; r < dx.length; r += d) {
      for (let j = 0; j < d; j++) {
        const dvar = (0.5 * dstd[j]) / std[j];
        dx[r + j] += (2.0 / n) * xc[r + j] * dvar;
        dmu[j] += dx[r + j];
      }
    }
    for (let r = 0; r < dx.length; r += d) for (let j = 0; j < d; j++) dx[r + j] -= dmu[j] / n;
    return this.shapedLikeInput(dx);
  }

  /** dx in the rows backward computes it in, back in the input's shape. */
  private shapedLikeInput(dx: Float64Array): Tensor {
    return this.xShape.length === 4 ? channelsFirst(dx, this.xShape) : tensor(this.xShape, dx);
  }
}

/** [N, C, H, W] as rows of channels [N·H·W, C] (NumPy's x.transpose(0, 2, 3, 1).reshape(-1, C)). */
function channelsLast(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  const plane = h * w;
  const rows = new Float64Array(x.data.length);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) rows[(s * plane + p) * c + ch] = x.data[(s * c + ch) * plane + p];
  return tensor([n * plane, c], rows);
}

/** Rows of channels [N·H·W, C] back to `shape` [N, C, H, W]. */
function channelsFirst(rows: Float64Array, shape: readonly number[]): Tensor {
  const [n, c, h, w] = shape;
  const plane = h * w;
  const out = new Float64Array(rows.length);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[(s * c + ch) * plane + p] = rows[(s * plane + p) * c + ch];
  return tensor(shape, out);
}

/** Mean and biased variance (mean of (x − mu)²) of each column of a non-empty [N, D] batch. */
function batchMoments(x: Tensor): [Float64Array, Float64Array] {
  const [n, d] = x.shape;
  const mu = columnSums(x).data.map((s) => s / n);
  const variance = new Float64Array(d);
  for (let r = 0; r < x.data.length; r += d) {
    for (let j = 0; j < d; j++) {
      const c = x.data[r + j] - mu[j];
      variance[j] += c * c;
    }
  }
  return [mu, variance.map((v) => v / n)];
}
