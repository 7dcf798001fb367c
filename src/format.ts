// Number and shape formatting for every view (panel, side view, hovers, CLI). Labels are compact; hovers
// and tooltips use fmtFull, the shortest string that round-trips to the same float64.

/** Exact text for a float64: the shortest round-tripping decimal, with signed infinities spelled out. */
export function fmtFull(v: number): string {
  if (v === Infinity) return '+Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/** `digits` significant digits; plain notation for magnitudes in [1e-3, 1e5), exponent otherwise. */
function fmtSig(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(digits)));
  const [mantissa, exponent] = v.toExponential(digits - 1).split('e');
  return `${String(Number(mantissa))}e${exponent.replace('+', '')}`;
}

/** Three significant digits: the table's compact form. */
export function fmt(v: number | null | undefined): string {
  return fmtSig(v, 3);
}

/** Six significant digits: graph labels, faithful for the book's figures (715, 650, 2.2). */
export function fmtGraph(v: number): string {
  return fmtSig(v, 6);
}

/** A fraction 0..1 as a percentage with three significant digits. */
export function fmtPercent(f: number): string {
  return `${fmt(f * 100)}%`;
}

/** Shape as `4×784`; a scalar is `scalar`. */
export function fmtShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/** An integer count with thousands separators. */
export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A duration as 657 ms, 12.3 s, 4 min 5 s or 1 h 2 min, with no line break inside; `decimals` for times under a minute. */
export function fmtDuration(ms: number, decimals = 0): string {
  if (ms < 1000) return `${Math.round(ms)}\u00a0ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(decimals)}\u00a0s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}\u00a0min ${s % 60}\u00a0s`;
  return `${Math.floor(s / 3600)}\u00a0h ${Math.floor((s % 3600) / 60)}\u00a0min`;
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text the spec (or user code) spelled, as messages and views echo it: control characters, line and
 * paragraph separators and bidirectional overrides become `\n`, `\t`, `\u001b`…, so a key cannot
 * start a fake line, drive a terminal or reorder what is shown around it.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => NAMED_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
