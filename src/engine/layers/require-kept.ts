// Shared guard of the elementwise layers' backward.
import type { Tensor } from '../tensor';

/** What forward kept, checked to exist and to match dout's size. */
export function requireKept(t: Tensor | null, name: string, dout: Tensor): Tensor {
  if (!t) throw new Error(`${name}: backward before forward`);
  if (t.data.length !== dout.data.length) {
    throw new RangeError(`${name}: dout has shape [${dout.shape.join(', ')}], forward gave [${t.shape.join(', ')}]`);
  }
  return t;
}
