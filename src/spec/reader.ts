// Reading `yaml` nodes with their source ranges: typed values out, problems in, never an exception.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Node, type YAMLMap } from 'yaml';
import { fmtCount } from '../format';
import type { Phrase, Position, Problem, Range } from './model';
import { closest } from '../engine/near-miss';
import { escapedPhrase, phrase, problemOf, type PhraseArgs, type SpecMessageId } from './problem';
import { oneOfArg } from './suggest';
import { lineStarts, truncate } from './text';
import { continuesValue } from './yaml-syntax';

/** A node of the document, or nothing where the source has no value. */
export type YNode = Node | null | undefined;

/** One key of a mapping with its value. */
export interface Entry {
  /** The key's text. */
  key: string;
  /** Range of the key. */
  keyRange: Range;
  /** The value node; null when the key has no value. */
  value: YNode;
  /** Range of the value, or of the key when the value is empty. */
  range: Range;
}

/** Numeric constraints, each with the phrase its message uses. */
export type NumberRule = 'finite' | 'positive' | 'non-negative' | 'positive-integer' | 'non-negative-integer';

const RULE_PHRASE: Record<NumberRule, SpecMessageId> = {
  finite: 'spec.rule.finite',
  positive: 'spec.rule.positive',
  'non-negative': 'spec.rule.nonNegative',
  'positive-integer': 'spec.rule.positiveInteger',
  'non-negative-integer': 'spec.rule.nonNegativeInteger',
};

/** What a message names: a spec key or path as written (`units`, `train.lr`), or a phrase ("a label"). */
export type What = string | Phrase;

/**
 * The message for a word not among `candidates`: `id` with `{match}` when one is close (the
 * "did you mean" form, id + 'Suggest'), else with the candidates listed (id + 'Expected').
 */
export type Unknown = { suggest: SpecMessageId; expected: SpecMessageId };

/** Whether `v` satisfies `rule`. */
function satisfies(v: number, rule: NumberRule): boolean {
  if (!Number.isFinite(v)) return false;
  switch (rule) {
    case 'finite':
      return true;
    case 'positive':
      return v > 0;
    case 'non-negative':
      return v >= 0;
    case 'positive-integer':
      return Number.isSafeInteger(v) && v > 0;
    case 'non-negative-integer':
      return Number.isSafeInteger(v) && v >= 0;
  }
}

/** Problems kept in full; past this many, the rest are only counted (one last problem says how many). */
export const MAX_PROBLEMS = 100;

/** Collects problems while values are read off the document's nodes. */
export class Reader {
  /** Problems found so far, in reading order (at most MAX_PROBLEMS). */
  readonly problems: Problem[] = [];
  /** Problems past MAX_PROBLEMS: how many, whether any is an error, and where the first one is. */
  private omitted = { count: 0, errors: 0, range: undefined as Range | undefined };
  private readonly starts: number[];

  /** A reader of a document parsed from `text`. */
  constructor(private readonly text: string) {
    this.starts = lineStarts(text);
  }

  /** Zero-based line and UTF-16 column of a string offset, clamped to the text and to the end of its line. */
  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(Math.floor(offset) || 0, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    // An offset on the line break (or between \r and \n) is the end of the line.
    let lineEnd = lo + 1 < this.starts.length ? this.starts[lo + 1] - 1 : this.text.length;
    if (lineEnd > this.starts[lo] && this.text[lineEnd] === '\n' && this.text[lineEnd - 1] === '\r') lineEnd--;
    return { line: lo, character: Math.min(clamped, lineEnd) - this.starts[lo] };
  }

  /** The string offset of a position (the inverse of `position`), clamped to the text. */
  offset(p: Position): number {
    const line = Math.max(0, Math.min(p.line, this.starts.length - 1));
    return Math.min(this.starts[line] + p.character, this.text.length);
  }

  /** Range of the offsets [start, end). */
  span(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  /** Range of a node's value (without trailing comments), or an empty range at the start when unknown. */
  rangeOf(node: YNode): Range {
    const r = node?.range;
    if (!r) return this.span(0, 0);
    // A block collection's value runs on to the next line; end at its last visible character.
    let end = r[1];
    while (end > r[0] && /\s/.test(this.text[end - 1])) end--;
    return this.span(r[0], end);
  }

  /** Whether a node is missing or an empty scalar. */
  isEmpty(node: YNode): boolean {
    return !node || (isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]);
  }

  /** Records an error: message `id` with `args`, or a phrase made already. */
  error(range: Range, id: SpecMessageId | Phrase, args: PhraseArgs = {}, replacement?: string): void {
    this.add(range, 'error', id, args, replacement);
  }

  /** Records a warning: message `id` with `args`, or a phrase made already. */
  warn(range: Range, id: SpecMessageId | Phrase, args: PhraseArgs = {}, replacement?: string): void {
    this.add(range, 'warning', id, args, replacement);
  }

  /** Keeps a problem (with anything the spec spelled escaped), or only counts it once MAX_PROBLEMS are kept. */
  private add(range: Range, severity: Problem['severity'], id: SpecMessageId | Phrase, args: PhraseArgs, replacement: string | undefined): void {
    if (this.problems.length < MAX_PROBLEMS) {
      const what = typeof id === 'string' ? phrase(id, args) : id;
      this.problems.push(escapedPhrase(problemOf(what, range, severity, replacement !== undefined ? { replacement } : {})));
      return;
    }
    const p = { severity, range };
    this.omitted.count++;
    if (p.severity === 'error') this.omitted.errors++;
    this.omitted.range ??= p.range;
  }

  /** The problems, ending with "N more problems not shown" (an error when any of them is) if some were only counted. */
  finish(): Problem[] {
    const { count, errors, range } = this.omitted;
    if (count === 0 || !range) return this.problems;
    const id = count === 1 ? (errors === 1 ? 'spec.moreProblemOneError' : 'spec.moreProblemNoError') : errors === 1 ? 'spec.moreProblemsOneError' : 'spec.moreProblems';
    return [...this.problems, problemOf(phrase(id, { count: fmtCount(count), errors: fmtCount(errors) }), range, errors > 0 ? 'error' : 'warning')];
  }

  /** Number of errors so far (to tell whether a step added any). */
  errorCount(): number {
    return this.problems.filter((p) => p.severity === 'error').length + this.omitted.errors;
  }

  /**
   * Reports `word`, not among `candidates`, in the form `unknown` names: with the close candidate
   * ("did you mean 'x'?") as `{match}`, or with the candidates listed as `{expected}`. The look for a
   * close one is skipped once problems are only counted: nobody reads it, and each costs a pass over the candidates.
   */
  unknown(range: Range, severity: Problem['severity'], unknown: Unknown, args: PhraseArgs, word: string, candidates: readonly string[], replacement?: string): void {
    const match = this.problems.length < MAX_PROBLEMS ? closest(word, candidates) : undefined;
    const [id, more] = match !== undefined ? [unknown.suggest, { match }] : [unknown.expected, { expected: oneOfArg(candidates) }];
    this.add(range, severity, id, { ...args, ...more }, replacement);
  }

  /**
   * The text that puts the likely intended candidate in place of `word` spelt by `node` (plain or
   * quoted, as in JSON), or undefined when none is close or the node spells it another way.
   */
  private replacementOf(node: YNode, word: string, candidates: readonly string[]): string | undefined {
    const r = node?.range;
    if (!r || this.problems.length >= MAX_PROBLEMS) return undefined;
    const source = this.text.slice(r[0], r[1]).trimEnd();
    const quote = source[0] === '"' || source[0] === "'" ? source[0] : '';
    if (source !== `${quote}${word}${quote}`) return undefined;
    const match = closest(word, candidates);
    return match === undefined ? undefined : `${quote}${match}${quote}`;
  }

  /** How a value reads in a message: 'text', 12 (as written), or a phrase: a list, a mapping, nothing. */
  describe(node: YNode): string | Phrase {
    if (!node || this.isEmpty(node)) return phrase('spec.got.nothing');
    if (isMap(node)) return phrase('spec.got.mapping');
    if (isSeq(node)) return phrase('spec.got.list');
    if (isAlias(node)) return phrase('spec.got.alias');
    if (isScalar(node) && typeof node.value === 'string') return `'${truncate(node.value)}'`;
    return truncate(node.range ? this.text.slice(node.range[0], node.range[1]) : '');
  }

  /** Reports an alias (aliases can nest without bound, so specs spell values out) and says whether it was one. */
  private rejectAlias(node: YNode, range: Range): boolean {
    if (!isAlias(node)) return false;
    this.error(range, 'spec.alias');
    return true;
  }

  /**
   * The keys of a mapping. Keys must be plain strings; keys outside `known` get a warning with a
   * suggestion (`where` names the mapping in the message). Duplicates are already YAML errors.
   */
  entries(node: YAMLMap, where: What, known: readonly string[]): Map<string, Entry> {
    const out = new Map<string, Entry>();
    for (const pair of node.items) {
      const keyNode = pair.key as YNode;
      const keyRange = this.rangeOf(keyNode);
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        this.error(keyRange, 'spec.keyNotName', { where, got: this.describe(keyNode) });
        continue;
      }
      const key = keyNode.value;
      const value = pair.value as YNode;
      if (out.has(key)) continue;
      out.set(key, { key, keyRange, value, range: this.isEmpty(value) ? keyRange : this.rangeOf(value) });
      if (!known.includes(key)) this.unknown(keyRange, 'warning', { suggest: 'spec.unknownKeySuggest', expected: 'spec.unknownKeyExpected' }, { key, where }, key, known, this.replacementOf(keyNode, key, known));
    }
    return out;
  }

  /** The mapping at `entry`, or undefined after an error. */
  map(entry: Entry, what: What): YAMLMap | undefined {
    if (this.rejectAlias(entry.value, entry.range)) return undefined;
    if (isMap(entry.value)) return entry.value;
    this.error(entry.range, 'spec.mustBeMapping', { what, got: this.describe(entry.value) });
    return undefined;
  }

  /** A string value, or undefined after an error. */
  string(entry: Entry, what: What): string | undefined {
    return this.stringAt(entry.value, entry.range, what);
  }

  /** A string node, or undefined after an error. */
  stringAt(node: YNode, range: Range, what: What): string | undefined {
    if (this.rejectAlias(node, range)) return undefined;
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.error(range, 'spec.mustBeString', { what, got: this.describe(node) });
    return undefined;
  }

  /** A number obeying `rule`, or undefined after an error. */
  number(entry: Entry, what: What, rule: NumberRule): number | undefined {
    return this.numberAt(entry.value, entry.range, what, rule);
  }

  /** A number node obeying `rule`, or undefined after an error. */
  numberAt(node: YNode, range: Range, what: What, rule: NumberRule): number | undefined {
    if (this.rejectAlias(node, range)) return undefined;
    if (isScalar(node) && typeof node.value === 'number' && satisfies(node.value, rule)) return node.value;
    this.error(range, 'spec.mustBeNumber', { what, rule: phrase(RULE_PHRASE[rule]), got: this.describe(node) });
    return undefined;
  }

  /** One of `choices` (case-insensitive, with `aliases` mapped), or undefined after an error. */
  choice<T extends string>(entry: Entry, what: What, choices: readonly T[], aliases: Readonly<Record<string, T>> = {}): T | undefined {
    return this.choiceAt(entry.value, entry.range, what, choices, aliases);
  }

  /** A node holding one of `choices`, or undefined after an error. */
  choiceAt<T extends string>(node: YNode, range: Range, what: What, choices: readonly T[], aliases: Readonly<Record<string, T>> = {}): T | undefined {
    const word = this.stringAt(node, range, what);
    if (word === undefined) return undefined;
    const found = lookup(word, choices, aliases);
    if (found === undefined && !this.rejectContinuation(node, word)) this.unknown(range, 'error', { suggest: 'spec.unknownChoiceSuggest', expected: 'spec.unknownChoiceExpected' }, { what, word }, word, choices, this.replacementOf(node, word, choices));
    return found;
  }

  /**
   * Reports a plain word that runs on over lines (a line indented deeper than the one above continues
   * its value: `- relu` then `    - tanh` reads as 'relu - tanh'), on the line indented too deep.
   */
  private rejectContinuation(node: YNode, word: string): boolean {
    const r = node?.range;
    if (!isScalar(node) || node.type !== Scalar.PLAIN || !r) return false;
    const lineBreak = this.text.slice(r[0], r[1]).search(/[\r\n]/);
    if (lineBreak < 0) return false;
    let start = r[0] + lineBreak;
    while (start < r[1] && /\s/.test(this.text[start])) start++;
    const end = this.text.slice(start, r[1]).search(/[\r\n]|$/) + start;
    this.error(this.span(start, end), continuesValue(word));
    return true;
  }

  /** The items of a list, or undefined after an error. */
  list(entry: Entry, what: What): YNode[] | undefined {
    if (this.rejectAlias(entry.value, entry.range)) return undefined;
    if (isSeq(entry.value)) return entry.value.items as YNode[];
    this.error(entry.range, 'spec.mustBeList', { what, got: this.describe(entry.value) });
    return undefined;
  }
}

/** `word` as one of `choices`, ignoring case and `_`/space versus `-`, or through `aliases`. */
export function lookup<T extends string>(word: string, choices: readonly T[], aliases: Readonly<Record<string, T>> = {}): T | undefined {
  const norm = word.trim().toLowerCase().replace(/[_\s]+/g, '-');
  return choices.find((c) => c === norm) ?? (Object.hasOwn(aliases, norm) ? aliases[norm] : undefined);
}
