// The gradient check's step and tolerances on their own, with no imports: the spec parser fills in
// the defaults, and the extension host, which parses specs, never loads the check itself.

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
