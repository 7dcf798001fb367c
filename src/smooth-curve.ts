// The book's smooth_curve (common/util.py), which its ch. 6 figures draw the loss curves with: the
// curve reflected by 10 points at each end, convolved with a normalised Kaiser window (β 2, length
// 11), the ends cut off again, so the result has the curve's length. Pure; the Train panel uses it.

/** Window length and Kaiser β of the book's smooth_curve. */
const WINDOW = 11;
const BETA = 2;

/** The modified Bessel function I₀(x) = Σₖ ((x/2)ᵏ / k!)², summed until the terms stop counting. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** numpy.kaiser(m, beta): I₀(β·√(1 − ((n − α)/α)²)) / I₀(β) with α = (m − 1)/2. */
export function kaiserWindow(m: number, beta: number): Float64Array {
  const w = new Float64Array(m);
  if (m === 1) return w.fill(1);
  const alpha = (m - 1) / 2;
  for (let n = 0; n < m; n++) w[n] = besselI0(beta * Math.sqrt(Math.max(0, 1 - ((n - alpha) / alpha) ** 2))) / besselI0(beta);
  return w;
}

const weights = (() => {
  const w = kaiserWindow(WINDOW, BETA);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
})();

/**
 * The book's smooth_curve of `x`: np.r_[x[10:0:-1], x, x[-1:-11:-1]] convolved ('valid') with the
 * normalised window, then y[5:len(y) − 5]. A curve shorter than the window is returned as it is
 * (numpy's slices would give a result of another length).
 */
export function smoothCurve(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  if (n < WINDOW) return Float64Array.from(x);
  const reach = WINDOW - 1;
  // The reflected curve: x[10], …, x[1], then x, then x[n−1], …, x[n−10].
  const s = new Float64Array(n + 2 * reach);
  for (let i = 0; i < reach; i++) s[i] = x[reach - i];
  for (let i = 0; i < n; i++) s[reach + i] = x[i];
  for (let i = 0; i < reach; i++) s[reach + n + i] = x[n - 1 - i];
  // 'valid' convolution gives n + 10 points, of which y[5 … n + 4] are kept: out[i] = y[i + 5].
  // The window is symmetric, so convolving is correlating.
  const half = reach / 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < WINDOW; k++) sum += weights[k] * s[i + half + k];
    out[i] = sum;
  }
  return out;
}
