// What the loss layers share: their targets, where integer labels [N] become one-hot rows so that
// one code path serves both, and their gradient.
import type { Tensor } from '../tensor';

/** dx = (y − t)·dout / n, the gradient of both losses for prediction y (softmax-with-loss's y, mse's x). */
export function lossGradient(y: Float64Array, t: Float64Array, dout: number, n: number, dx: Float64Array): void {
  for (let i = 0; i < dx.length; i++) dx[i] = ((y[i] - t[i]) * dout) / n;
}

/** Targets shaped like the scores `x`: `t` itself when shaped like `x`, or one-hot rows for labels [N] when `x` is [N, C]. */
export function denseTargets(name: string, x: Tensor, t: Tensor): Float64Array {
  if (t.shape.length === x.shape.length && t.shape.every((d, i) => d === x.shape[i])) return t.data;
  if (x.shape.length === 2 && t.shape.length === 1 && t.shape[0] === x.shape[0]) {
    const [n, c] = x.shape;
    const dense = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      const label = t.data[i];
      if (!(Number.isInteger(label) && label >= 0 && label < c)) {
        throw new RangeError(`${name}: label ${i} is ${label}, expected an integer class in 0..${c - 1}`);
      }
      dense[i * c + label] = 1;
    }
    return dense;
  }
  throw new RangeError(
    `${name}: targets must be labels [${x.shape[0]}] or shaped like the scores [${x.shape.join(', ')}], got [${t.shape.join(', ')}]`,
  );
}
