// Convolution after the book's ch. 7 layer, one sample at a time: col = im2col(x), out = col·Wᵀ + b
// with W [FN, C, FH, FW] read as [FN, C·FH·FW]. Backward: db = Σ dout over samples and positions,
// dW = Σₙ doutₙ·colₙ, dx = col2im(doutₙᵀ·W).
import type { Layer, Param } from '../layer';
import { matmul, matmulTransA, matmulTransB, reshape } from '../ops';
import { tensor, type Tensor } from '../tensor';
import { gridOf, type Grid, type Window } from '../window';
import { col2im, im2col } from './im2col';

/** Cross-correlation of [N, C, H, W] inputs with FN filters [C, FH, FW], giving [N, FN, OH, OW]. */
export class Convolution implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'convolution' as const;
  /** [W, b]. */
  readonly params: readonly Param[];
  /** Filter size, stride and pad. */
  readonly window: Window;
  /** Input of the last forward, which backward rebuilds the columns from. */
  private x: Tensor | null = null;

  /** A layer with filters W [FN, C, FH, FW] and bias b [FN]. */
  constructor(
    readonly name: string,
    W: Tensor,
    b: Tensor,
    stride = 1,
    pad = 0,
  ) {
    if (W.shape.length !== 4) throw new RangeError(`${name}: W must have shape [FN, C, FH, FW], got [${W.shape.join(', ')}]`);
    if (b.shape.length !== 1 || b.shape[0] !== W.shape[0]) throw new RangeError(`${name}: b must have shape [${W.shape[0]}], got [${b.shape.join(', ')}]`);
    this.window = { fh: W.shape[2], fw: W.shape[3], stride, pad };
    this.params = [
      { name: 'W', value: W, grad: null },
      { name: 'b', value: b, grad: null },
    ];
  }

  kept(): Readonly<Record<string, Tensor>> {
    return this.x ? { x: this.x } : {};
  }

  forward(x: Tensor): Tensor {
    const { grid, filters, k } = this.geometry(x);
    const b = this.params[1].value.data;
    const positions = grid.oh * grid.ow;
    const col = new Float64Array(positions * k);
    const out = new Float64Array(x.shape[0] * filters.shape[0] * positions);
    for (let n = 0; n < x.shape[0]; n++) {
      im2col(x.data, n, grid, this.window, col);
      // [FN, C·FH·FW]·colₙᵀ is already sample n's output in [FN, OH·OW] order.
      const sample = matmulTransB(filters, tensor([positions, k], col)).data;
      const at = n * sample.length;
      for (let f = 0; f < b.length; f++) for (let p = 0; p < positions; p++) out[at + f * positions + p] = sample[f * positions + p] + b[f];
    }
    this.x = x;
    return tensor([x.shape[0], b.length, grid.oh, grid.ow], out);
  }

  backward(dout: Tensor): Tensor {
    if (!this.x) throw new Error(`${this.name}: backward before forward`);
    const x = this.x;
    const { grid, filters, k } = this.geometry(x);
    const fn = filters.shape[0];
    const positions = grid.oh * grid.ow;
    const expected = [x.shape[0], fn, grid.oh, grid.ow];
    if (dout.shape.length !== 4 || dout.shape.some((d, i) => d !== expected[i])) {
      throw new RangeError(`${this.name}: dout has shape [${dout.shape.join(', ')}], forward gave [${expected.join(', ')}]`);
    }
    const col = new Float64Array(positions * k);
    const dW = new Float64Array(fn * k);
    const db = new Float64Array(fn);
    const dx = new Float64Array(x.data.length);
    for (let n = 0; n < x.shape[0]; n++) {
      const doutN = tensor([fn, positions], dout.data.subarray(n * fn * positions, (n + 1) * fn * positions));
      for (let f = 0; f < fn; f++) for (let p = 0; p < positions; p++) db[f] += doutN.data[f * positions + p];
      im2col(x.data, n, grid, this.window, col);
      const dWn = matmul(doutN, tensor([positions, k], col)).data;
      for (let e = 0; e < dW.length; e++) dW[e] += dWn[e];
      col2im(matmulTransA(doutN, filters).data, n, grid, this.window, dx);
    }
    this.params[0].grad = tensor(this.params[0].value.shape, dW);
    this.params[1].grad = tensor([fn], db);
    return tensor(x.shape, dx);
  }

  /** The window grid over `x`, the filters as [FN, C·FH·FW], and C·FH·FW. */
  private geometry(x: Tensor): { grid: Grid; filters: Tensor; k: number } {
    const W = this.params[0].value;
    const grid = gridOf(this.name, x.shape, this.window);
    if (grid.c !== W.shape[1]) throw new RangeError(`${this.name} expects ${W.shape[1]} input channels, gets ${grid.c}`);
    const k = W.shape[1] * W.shape[2] * W.shape[3];
    return { grid, filters: reshape(W, [W.shape[0], k]), k };
  }
}
