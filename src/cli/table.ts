// Plain-text tables for the terminal: right-aligned numbers, left-aligned text.

/** Renders rows under a header, padding each column to its widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every((r) => /^[-+−0-9.eNa%∞]+$|^[-–]$/.test(r[i])));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** An accuracy to five decimals, as many as its digits need: 0.99975 of 8,000 rows reads so, not 1. */
export function fmtAccuracy(a: number | null): string {
  // null: not measured (a regression, or no test set).
  return a === null ? '—' : String(Number(a.toFixed(5)));
}
