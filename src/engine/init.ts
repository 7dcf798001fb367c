// Weight initialisation, after the book: 0.01·randn in ch. 5, He and Xavier in ch. 6.
import type { Rng } from './rng';
import { tensor, type Tensor } from './tensor';

/** How weights start: `normal` is std·N(0,1); `he` is √(2/fanIn)·N(0,1); `xavier` is √(1/fanIn)·N(0,1). */
export type InitScheme = 'normal' | 'he' | 'xavier' | 'zeros';

/**
 * A weight tensor: [fanIn, fanOut] for Affine, [FN, C, FH, FW] for Convolution (fan-in C·FH·FW).
 * Draws are taken in row-major order, one normal per element, so a seed fixes every value. `std`
 * is used by `normal` only. Xavier is the book's ch. 6 variant √(1/fanIn), not Glorot's √(2/(fanIn+fanOut)).
 */
export function initWeights(shape: readonly number[], scheme: InitScheme, rng: Rng, std = 0.01): Tensor {
  const w = tensor(shape);
  if (scheme === 'zeros') return w;
  const fanIn = shape.length === 4 ? shape[1] * shape[2] * shape[3] : shape[0];
  const scale = scheme === 'normal' ? std : scheme === 'he' ? Math.sqrt(2 / fanIn) : Math.sqrt(1 / fanIn);
  for (let i = 0; i < w.data.length; i++) w.data[i] = scale * rng.normal();
  return w;
}
