// Plain-text tables for the terminal: right-aligned numbers, left-aligned text.

/** Compact number: 4 significant digits, exponent form when very small or large. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/** Renders rows under a header, padding each column to its widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every((r) => /^[-+0-9.eINaf%]+$|^-$/.test(r[i])));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
