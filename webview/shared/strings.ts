// The webviews' strings in the user's language. The English text is the key, as with vscode.l10n.t:
// t('done in {0}', time). The host puts the translations in the page as a JSON data block,
// <script type="application/json" id="backprop-strings">, and sets <html lang>; with none (English,
// or a page without it, as the previews and tests load), t() fills the English template.
// t() only substitutes: numbers are formatted by the caller (fmt, fmtCount…) before they come here.

/** The id of the page's data block of translations (src/webview-strings.ts writes it). */
export const STRINGS_ID = 'backprop-strings';

let table: Record<string, string> | null | undefined;

/** The part of the DOM this module reads; typed here so that node tests (no DOM lib) can import it. */
interface Page {
  getElementById(id: string): { textContent: string | null } | null;
}

/** The page's translations, read once; null when it has none (or they do not parse). */
function translations(): Record<string, string> | null {
  if (table !== undefined) return table;
  table = null;
  const page = (globalThis as { document?: Page }).document;
  const text = page?.getElementById(STRINGS_ID)?.textContent;
  if (!text) return table;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      table = Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // A broken block leaves the page in English rather than blank.
  }
  return table;
}

/** `template` with `{0}`, `{1}`… replaced by `args`; a placeholder without an argument stays as it is. */
export function fill(template: string, args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));
}

/** The user's language's version of `english` (the key), its `{n}` placeholders filled with `args`. */
export function t(english: string, ...args: (string | number)[]): string {
  return fill(translations()?.[english] ?? english, args);
}

/**
 * A heatmap's title as the pure modules make it (src/heatmaps.ts: activation, mask (relu)…), in the
 * user's language; identifiers (dout, dx, dW, W…) and titles already translated stay as they are.
 */
export function heatmapTitle(title: string): string {
  switch (title) {
    case 'activation':
      return t('activation');
    case 'prediction':
      return t('prediction');
    case 'targets':
      return t('targets');
  }
  const mask = /^mask \((.*)\)$/.exec(title);
  return mask ? t('mask ({0})', mask[1]) : title;
}

/** What a mask's 1s and 0s mean (src/heatmaps.ts and the scale's default), in the user's language. */
export function maskWord(word: string): string {
  switch (word) {
    case 'masked':
      return t('masked');
    case 'passed':
      return t('passed');
    case 'window max':
      return t('window max');
    case 'not the max':
      return t('not the max');
    default:
      return word;
  }
}

/**
 * t() for a sentence with elements in it (a button, a layer's name): the translated template split at
 * its placeholders, each replaced by its argument, so the parts go in the order the language puts them.
 */
export function tParts<N extends object>(english: string, ...args: (string | N)[]): (string | N)[] {
  const template = translations()?.[english] ?? english;
  const parts: (string | N)[] = [];
  // Text next to text joins into one part, so a sentence with one element in it stays three nodes.
  const push = (part: string | N): void => {
    const before = parts.length - 1;
    if (typeof part === 'string' && typeof parts[before] === 'string') parts[before] += part;
    else if (part !== '') parts.push(part);
  };
  let last = 0;
  for (const m of template.matchAll(/\{(\d+)\}/g)) {
    const arg = args[Number(m[1])] as string | N | undefined;
    if (arg === undefined) continue;
    push(template.slice(last, m.index));
    push(arg);
    last = m.index + m[0].length;
  }
  push(template.slice(last));
  return parts;
}

/** A tensor's shape as src/format's fmtShape writes it (4×3), a scalar's in the user's language. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? t('scalar') : shape.join('×');
}
