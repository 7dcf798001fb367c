// Plain-text tables for the terminal: right-aligned numbers, left-aligned text, padded by the
// columns a terminal gives each character (Hangul and other East Asian wide characters take two).

/** Whether the code point `c` is East Asian Wide or Fullwidth: two columns in a terminal. */
function isWide(c: number): boolean {
  return (
    (c >= 0x1100 && c <= 0x115f) || // Hangul Jamo initial consonants
    (c >= 0x2e80 && c <= 0x303e) || // CJK radicals, Kangxi, CJK symbols and punctuation
    (c >= 0x3041 && c <= 0x33ff) || // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, CJK compatibility
    (c >= 0x3400 && c <= 0x4dbf) || // CJK extension A
    (c >= 0x4e00 && c <= 0x9fff) || // CJK unified ideographs
    (c >= 0xa000 && c <= 0xa4cf) || // Yi
    (c >= 0xa960 && c <= 0xa97f) || // Hangul Jamo extended A
    (c >= 0xac00 && c <= 0xd7a3) || // Hangul syllables
    (c >= 0xf900 && c <= 0xfaff) || // CJK compatibility ideographs
    (c >= 0xfe30 && c <= 0xfe4f) || // CJK compatibility forms
    (c >= 0xff00 && c <= 0xff60) || // fullwidth forms
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) || // pictographs and emoticons
    (c >= 0x1f900 && c <= 0x1f9ff) ||
    (c >= 0x20000 && c <= 0x3fffd) // CJK extensions B and on
  );
}

/** The columns `text` takes in a terminal: two for each wide character, none for a combining mark, one for the rest. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0x1160 && c <= 0x11ff)) continue;
    width += isWide(c) ? 2 : 1;
  }
  return width;
}

/** `text` with spaces before it up to `width` columns. */
export function padStartWidth(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** `text` with spaces after it up to `width` columns. */
export function padEndWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Renders rows under a header, padding each column to its widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every((r) => /^[-+−0-9.eNa%∞]+$|^[-–]$/.test(r[i])));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? padStartWidth(c, widths[i]) : padEndWidth(c, widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** An accuracy to five decimals, as many as its digits need: 0.99975 of 8,000 rows reads so, not 1. */
export function fmtAccuracy(a: number | null): string {
  // null: not measured (a regression, or no test set).
  return a === null ? '—' : String(Number(a.toFixed(5)));
}
