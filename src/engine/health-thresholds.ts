// The gradient-health limits on their own, with no imports: the extension host reads its settings
// against these defaults and never loads the health rules, which run in the worker.

/** Limits beyond which a run's numbers are reported (VS Code settings under backprop.health.*). */
export interface HealthThresholds {
  /** A gradient L2 norm above this is exploding. */
  explodingNorm: number;
  /** A gradient L2 norm below this (but not zero everywhere because of a dead layer) is vanishing. */
  vanishingNorm: number;
  /** A ReLU whose fraction of units masked for the whole batch exceeds this is dying. */
  deadFraction: number;
  /** An output counts as saturated when out·(1−out) (sigmoid) or 1−out² (tanh) is below this. */
  saturationEpsilon: number;
  /** A sigmoid/tanh whose fraction of saturated outputs exceeds this is saturated. */
  saturatedFraction: number;
}

/**
 * Defaults that leave the healthy examples silent and flag the broken ones. The book's 0.01·N(0, 1)
 * init on MNIST gives dW norms around 1e-2..1, so 1e3 and 1e-7 are orders of magnitude away.
 */
export const DEFAULT_THRESHOLDS: Readonly<HealthThresholds> = {
  explodingNorm: 1e3,
  vanishingNorm: 1e-7,
  deadFraction: 0.5,
  saturationEpsilon: 1e-3,
  saturatedFraction: 0.5,
};
