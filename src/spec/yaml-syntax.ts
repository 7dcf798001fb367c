// YAML syntax errors as the mistakes a person made: one message per mistake, in plain words, on the
// line to change. The parser reports where it lost its way, often several times for one slip (a list
// item indented one space too few gave five errors), so the errors a mistake causes after it are dropped.
import type { CST, YAMLError } from 'yaml';
import type { Phrase } from './model';
import { phrase } from './problem';
import { lineStarts, truncate } from './text';

/** One mistake: the offsets [start, end) to change, and what to do. */
export interface SyntaxMistake {
  start: number;
  end: number;
  message: Phrase;
}

/** A `[`, `{` or quote the parser saw opened and never closed. */
interface Opener {
  offset: number;
  char: string;
}

/** A mistake, and the last line its errors can reach when that is past its own block. */
interface Explained extends SyntaxMistake {
  through?: number;
}

/** A line before the mistaken one that encloses it: the nearest line with less indent, and so on outwards. */
interface Enclosing {
  line: number;
  indent: number;
  /** The key the line starts, if it does (`type` in `  - type: affine`), and its column. */
  key?: { name: string; column: number };
  /** Whether the line is a list item (`- …`). */
  item: boolean;
}

const KEY_LINE = /^( *(?:- +)*)([^\s#:'"[\]{},-][^#]*?|"[^"]*"|'[^']*') *:(?=\s|$)/;
const ITEM_LINE = /^ *-(?=\s|$)/;

const spaces = (n: number) => phrase(n === 1 ? 'spec.yaml.space' : 'spec.yaml.spaces', { n: String(n) });

/** A line indented deeper than the one above continues that line's plain value (`- relu` then `    - tanh` reads as 'relu - tanh'). */
export function continuesValue(word: string): Phrase {
  return phrase('spec.yaml.continuesValue', { word: truncate(word) });
}

/**
 * The mistakes behind `errors` (the parser's, for `text`, with its CST `tokens`), in source order:
 * the first error not caused by an earlier mistake names the next mistake. Past `explained` mistakes
 * (nobody reads them, and each explanation may look over many lines) errors keep the parser's words.
 */
export function syntaxMistakes(text: string, errors: readonly YAMLError[], tokens: readonly CST.Token[], explained: number): SyntaxMistake[] {
  const starts = lineStarts(text);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const lineText = (line: number) => text.slice(starts[line], line + 1 < starts.length ? starts[line + 1] : text.length).replace(/\r?\n$|\r$/, '');
  const indentOf = (line: number) => /^ */.exec(lineText(line))![0].length;
  const isContent = (line: number) => !/^\s*(#|$)/.test(lineText(line));
  const keyOf = (line: number) => {
    const m = KEY_LINE.exec(lineText(line));
    return m ? { name: m[2], column: m[1].length } : undefined;
  };
  /** The last line of `line`'s block: it and the lines after it indented more (or blank). */
  const blockEnd = (line: number) => {
    let end = line;
    for (let l = line + 1; l < starts.length && (!isContent(l) || indentOf(l) > indentOf(line)); l++) end = l;
    return end;
  };
  /** [start, end) of a line's text from `column`, without a trailing comment or spaces. */
  const restOf = (line: number, column: number) => {
    const rest = lineText(line).slice(column).replace(/(^|\s)#.*$/, '').trimEnd();
    return { start: starts[line] + column, end: starts[line] + column + rest.length, text: rest };
  };
  const enclosing = (line: number): Enclosing[] => {
    const out: Enclosing[] = [];
    let below = Infinity;
    for (let l = line - 1; l >= 0 && below > 0; l--) {
      if (!isContent(l) || indentOf(l) >= below) continue;
      below = indentOf(l);
      out.push({ line: l, indent: below, key: keyOf(l), item: ITEM_LINE.test(lineText(l)) });
    }
    return out;
  };

  const openers = unclosed(tokens);
  const out: SyntaxMistake[] = [];
  let coveredThrough = -1;
  for (const e of [...errors].sort((a, b) => a.pos[0] - b.pos[0])) {
    let at = Math.min(e.pos[0], text.length);
    // An error on a line break is about the line that follows.
    while (at < text.length && (text[at] === '\n' || text[at] === '\r')) at++;
    const errorLine = lineOf(at);
    if (errorLine <= coveredThrough) continue;
    // After a mistake the parser can lose its place and call every token that follows unexpected.
    if (out.length > 0 && e.code === 'UNEXPECTED_TOKEN') continue;
    const errorEnd = lineOf(Math.max(at, Math.min(e.pos[1], text.length) - 1));
    if (out.length >= explained) {
      out.push({ start: at, end: Math.max(at, e.pos[1]), message: phrase('spec.yaml.parserError', { error: e.message }) });
      coveredThrough = errorEnd;
      continue;
    }
    const opener = openers.filter((o) => o.offset < at && lineOf(o.offset) > coveredThrough).pop();
    const { through, ...mistake }: Explained = opener ? explainOpener(opener) : explain(e, at, errorLine);
    out.push(mistake);
    const first = Math.min(errorLine, lineOf(mistake.start));
    const quote = opener && (opener.char === '"' || opener.char === "'");
    coveredThrough = quote || e.code === 'MULTIPLE_DOCS' ? starts.length : Math.max(errorEnd, lineOf(mistake.end), blockEnd(first), through ?? -1);
  }
  return out;

  function explainOpener(o: Opener): SyntaxMistake {
    const rest = restOf(lineOf(o.offset), o.offset - starts[lineOf(o.offset)]);
    if (o.char === '"' || o.char === "'") return { start: o.offset, end: rest.end, message: phrase('spec.yaml.unclosedString', { quote: o.char }) };
    return { start: o.offset, end: rest.end, message: phrase(o.char === '[' ? 'spec.yaml.unclosedList' : 'spec.yaml.unclosedMapping') };
  }

  function explain(e: YAMLError, at: number, line: number): Explained {
    const indent = indentOf(line);
    const content = starts[line] + indent;
    if (e.code === 'TAB_AS_INDENT' || /^ *\t/.test(lineText(line))) {
      const lead = /^[ \t]*/.exec(lineText(line))![0].length;
      return { start: starts[line], end: starts[line] + lead, message: phrase('spec.yaml.tab') };
    }
    if (e.code === 'MULTIPLE_DOCS') {
      return { start: at, end: restOf(line, at - starts[line]).end, message: phrase('spec.yaml.secondDocument') };
    }
    if (ITEM_LINE.test(lineText(line)) && at <= content) return misplacedItem(line, indent);
    const key = keyOf(line);
    if ((e.code === 'BAD_INDENT' || e.code === 'UNEXPECTED_TOKEN') && key && at <= content) return misalignedKey(line, key);
    if (e.code === 'UNEXPECTED_TOKEN' && (text[at] === ']' || text[at] === '}')) {
      return { start: at, end: at + 1, message: phrase(text[at] === ']' ? 'spec.yaml.strayListEnd' : 'spec.yaml.strayMappingEnd') };
    }
    if (e.code === 'MULTILINE_IMPLICIT_KEY' || e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MISSING_CHAR') {
      const found = keyOrValue(line, at - starts[line]);
      if (found) return found;
    }
    return { start: at, end: Math.max(at + 1, Math.min(e.pos[1], restOf(line, 0).end)), message: phrase('spec.yaml.unreadable', { error: e.message.split('\n')[0] }) };
  }

  /** A `- item` where the lines above leave no list for it: indented unlike its list's items, or among a mapping's keys. */
  function misplacedItem(line: number, indent: number): Explained {
    const rest = restOf(line, indent);
    const chain = enclosing(line);
    // The list it belongs to: an item above whose own parent is less indented than this line.
    const sibling = chain.find((c, k) => c.item && c.indent !== indent && (chain[k + 1]?.indent ?? -1) < indent);
    if (sibling) {
      const odd = oddFirst(line, indent, true);
      if (odd) return odd;
      const message = phrase('spec.yaml.itemIndent', { indent: spaces(indent), above: String(sibling.indent), by: spaces(sibling.indent) });
      return { start: rest.start, end: rest.end, message };
    }
    const owner = chain.find((c) => c.indent <= indent && c.key);
    const message = owner?.key ? phrase('spec.yaml.itemAmongKeysBeside', { key: truncate(owner.key.name) }) : phrase('spec.yaml.itemAmongKeys');
    return { start: rest.start, end: rest.end, message };
  }

  /**
   * The first line of a mapping or list, when it alone is indented unlike the lines after it: it set
   * the column the parser held the others to, so it is the mistake, though they got the errors.
   * `line` is one of those others, at `column`; `item` tells a list from a mapping.
   */
  function oddFirst(line: number, column: number, item: boolean): Explained | undefined {
    const opensBlock = (l: number) => /:\s*(#.*)?$/.test(lineText(l));
    const parent = enclosing(line).find((c) => c.indent < column && opensBlock(c.line));
    if (!parent && item) return undefined;
    let first = parent ? parent.line + 1 : 0;
    while (first < line && !isContent(first)) first++;
    const firstIsItem = ITEM_LINE.test(lineText(first));
    const firstColumn = item ? (firstIsItem ? indentOf(first) : undefined) : firstIsItem ? undefined : keyOf(first)?.column;
    if (first >= line || firstColumn === undefined || firstColumn === column) return undefined;
    const through = parent ? blockEnd(parent.line) : starts.length - 1;
    const linesAt = (c: number) => {
      let n = 0;
      for (let l = first; l <= through; l++) if (isContent(l) && indentOf(l) === c && ITEM_LINE.test(lineText(l)) === item && (item || keyOf(l))) n++;
      return n;
    };
    // At the top level keys belong at column 0; inside, the column most lines use wins, and on a tie
    // the one indented an even number of spaces past the parent (people indent by 2 or 4).
    const even = (c: number) => (c - (parent?.indent ?? 0)) % 2 === 0;
    const odd = parent
      ? linesAt(firstColumn) === 1 && (linesAt(column) >= 2 || (!even(firstColumn) && even(column)))
      : firstColumn !== 0 && column === 0;
    if (!odd) return undefined;
    const rest = restOf(first, firstColumn);
    if (item) return { start: rest.start, end: rest.end, message: phrase('spec.yaml.firstItemIndent', { indent: spaces(firstColumn), column: String(column), by: spaces(column) }), through };
    const name = truncate(keyOf(first)!.name);
    const message = phrase('spec.yaml.firstKeyIndent', { name, indent: spaces(firstColumn), next: truncate(keyOf(line)?.name ?? ''), column: String(column), by: spaces(column) });
    return { start: rest.start, end: rest.start + keyOf(first)!.name.length, message, through };
  }

  /** A key indented unlike the keys around it. */
  function misalignedKey(line: number, key: { name: string; column: number }): Explained {
    const odd = oddFirst(line, key.column, false);
    if (odd) return odd;
    const chain = enclosing(line).filter((c) => c.key);
    const columns = chain.map((c) => ({ column: c.key!.column, name: truncate(c.key!.name) }));
    const lower = columns.filter((c) => c.column < key.column).sort((a, b) => b.column - a.column)[0];
    const higher = columns.filter((c) => c.column > key.column).sort((a, b) => a.column - b.column)[0];
    const [one, two] = [lower, higher].filter((c) => c !== undefined);
    const name = truncate(key.name);
    const indent = spaces(key.column);
    const message = two
      ? phrase('spec.yaml.keyIndentTwo', { name, indent, by: spaces(one.column), like: one.name, by2: spaces(two.column), like2: two.name })
      : one
        ? phrase('spec.yaml.keyIndentOne', { name, indent, by: spaces(one.column), like: one.name })
        : phrase('spec.yaml.keyIndent', { name, indent });
    return { start: starts[line] + key.column, end: starts[line] + key.column + key.name.length, message };
  }

  /**
   * A plain word where the parser wanted a key and found none: a key without its ':', a value
   * holding ': ', or a key indented deeper than the key above so that it reads as that key's value.
   */
  function keyOrValue(line: number, column: number): Explained | undefined {
    const before = lineText(line).slice(0, column);
    const rest = restOf(line, column);
    if (rest.text === '') return undefined;
    const owner = keyOf(line);
    if (/:\s+$/.test(before) && owner) {
      const name = truncate(owner.name);
      if (/:(\s|$)/.test(rest.text)) {
        const message = phrase('spec.yaml.valueHoldsColon', { name, value: truncate(rest.text) });
        return { start: rest.start, end: rest.end, message };
      }
      let next = line + 1;
      while (next < starts.length && !isContent(next)) next++;
      if (next >= starts.length || indentOf(next) <= indentOf(line)) return undefined;
      const deeper = restOf(next, indentOf(next));
      const nextKey = ITEM_LINE.test(lineText(next)) ? undefined : keyOf(next);
      const odd = nextKey && oddFirst(next, nextKey.column, false);
      if (odd) return odd;
      const message = nextKey
        ? phrase('spec.yaml.keyTooDeep', { next: truncate(nextKey.name), indent: spaces(nextKey.column), name, column: String(owner.column), by: spaces(owner.column) })
        : phrase('spec.yaml.underValue', { name, value: truncate(rest.text) });
      return { start: deeper.start, end: deeper.end, message };
    }
    if (!/^\s*(-\s+)*$/.test(before)) return undefined;
    // After a list item's word, a list item or a flow collection on a deeper line reads as more of the word
    // (a word alone on its line, as `layers`, is a key that lost its ':').
    let next = line + 1;
    while (next < starts.length && !isContent(next)) next++;
    if (/-\s+$/.test(before) && next < starts.length && indentOf(next) > indentOf(line) && /^ *(-(\s|$)|[[{])/.test(lineText(next))) {
      const deeper = restOf(next, indentOf(next));
      return { start: deeper.start, end: deeper.end, message: continuesValue(`${rest.text} ${deeper.text}`) };
    }
    const words = /^(\S+)\s+(.*)$/.exec(rest.text);
    const message = words ? phrase('spec.yaml.missingColonValue', { key: truncate(words[1]), value: truncate(words[2]) }) : phrase('spec.yaml.missingColon', { key: truncate(rest.text) });
    return { start: rest.start, end: rest.end, message };
  }
}

/** The `[`, `{` and quotes in the CST that are never closed, in source order. */
function unclosed(tokens: readonly CST.Token[]): Opener[] {
  const out: Opener[] = [];
  const pending: CST.Token[] = [...tokens];
  while (pending.length > 0) {
    const t = pending.pop()!;
    switch (t.type) {
      case 'document':
        if (t.value) pending.push(t.value);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        if (t.type === 'flow-collection' && !t.end.some((e) => e.type === 'flow-seq-end' || e.type === 'flow-map-end')) out.push({ offset: t.start.offset, char: t.start.source });
        for (const item of t.items) {
          if (item.key) pending.push(item.key);
          if (item.value) pending.push(item.value);
        }
        break;
      case 'double-quoted-scalar':
        // Closed by a quote that no odd run of backslashes escapes.
        if (!/(^|[^\\])(\\\\)*"$/.test(t.source.slice(1))) out.push({ offset: t.offset, char: '"' });
        break;
      case 'single-quoted-scalar':
        // Inside single quotes '' is a quote, so a closed string ends in an odd run of them.
        if (/^(?:'')*$/.test(/'*$/.exec(t.source.slice(1))![0])) out.push({ offset: t.offset, char: "'" });
        break;
      default:
        break; // other tokens hold no collection and cannot be left open
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
