// Affine (fully connected) layer, batched: out = x·W + b.
// Backward: dx = dout·Wᵀ, dW = xᵀ·dout, db = Σ over the batch of dout.
import type { Layer, Param } from '../layer';
import { columnSums, flatten2d, matmul, matmulTransA, matmulTransB, reshape } from '../ops';
import type { Tensor } from '../tensor';

/** out = x·W + b for W [D, M] and b [M]; inputs of rank > 2 are flattened to [N, D] as in the book. */
export class Affine implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'affine' as const;
  /** [W, b]. */
  readonly params: readonly Param[];
  /** Input of the last forward, flattened to [N, D]. */
  private x: Tensor | null = null;
  /** Shape of the last forward's input, which dx takes back. */
  private xShape: readonly number[] = [];

  /** A layer with weights W [D, M] and bias b [M]. */
  constructor(
    readonly name: string,
    W: Tensor,
    b: Tensor,
  ) {
    if (W.shape.length !== 2) throw new RangeError(`${name}: W must be a matrix, got shape [${W.shape.join(', ')}]`);
    if (b.shape.length !== 1 || b.shape[0] !== W.shape[1]) {
      throw new RangeError(`${name}: b must have shape [${W.shape[1]}], got [${b.shape.join(', ')}]`);
    }
    this.params = [
      { name: 'W', value: W, grad: null },
      { name: 'b', value: b, grad: null },
    ];
  }

  kept(): Readonly<Record<string, Tensor>> {
    return this.x ? { x: this.x } : {};
  }

  forward(x: Tensor): Tensor {
    const W = this.params[0].value;
    const b = this.params[1].value.data;
    if (x.shape.length < 2) throw new RangeError(`${this.name} expects a batch [N, ...], got shape [${x.shape.join(', ')}]`);
    const x2 = flatten2d(x);
    if (x2.shape[1] !== W.shape[0]) throw new RangeError(`${this.name} expects input width ${W.shape[0]}, gets ${x2.shape[1]}`);
    this.x = x2;
    this.xShape = x.shape;
    const out = matmul(x2, W);
    const m = b.length;
    for (let r = 0; r < out.data.length; r += m) for (let j = 0; j < m; j++) out.data[r + j] += b[j];
    return out;
  }

  backward(dout: Tensor): Tensor {
    if (!this.x) throw new Error(`${this.name}: backward before forward`);
    const [n, m] = [this.x.shape[0], this.params[0].value.shape[1]];
    if (dout.shape.length !== 2 || dout.shape[0] !== n || dout.shape[1] !== m) {
      throw new RangeError(`${this.name}: dout has shape [${dout.shape.join(', ')}], forward gave [${n}, ${m}]`);
    }
    this.params[0].grad = matmulTransA(this.x, dout);
    this.params[1].grad = columnSums(dout);
    return reshape(matmulTransB(dout, this.params[0].value), this.xShape);
  }
}
