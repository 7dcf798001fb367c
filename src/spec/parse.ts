// Spec text (YAML, or JSON as YAML 1.2) to the model, with every problem at its source range.
import { fmtCount } from '../format';
import { Composer, isMap, isScalar, isSeq, Lexer, Parser, YAMLParseError, type CST, type Document } from 'yaml';
import { jsonSyntaxError } from './json';
import type { Phrase, Problem, Range, Spec } from './model';
import { GRAPH_SPEC_KEYS, readGraph } from './parse-graph';
import { NETWORK_KEYS, readNetwork } from './parse-network';
import { phrase, specError, thrown } from './problem';
import { MAX_PROBLEMS, Reader, type YNode } from './reader';
import { truncate } from './text';
import { syntaxMistakes } from './yaml-syntax';

/** Result of parsing: the spec when there are no errors (warnings may remain), and every problem. */
export interface ParseResult {
  /** The spec, or null when any problem is an error. */
  spec: Spec | null;
  /** Errors and warnings in source order of discovery. */
  problems: Problem[];
}

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Parses a spec. `fileName` picks JSON rules for *.json and gives the default spec name. Never
 * throws: any failure, even an internal one, comes back as a problem.
 */
export function parseSpec(text: string, fileName: string): ParseResult {
  try {
    return parse(text, fileName);
  } catch (e) {
    return { spec: null, problems: [specError(START, 'spec.couldNotRead', { error: thrown(e) })] };
  }
}

/** The file name without folders and spec extensions: nets/two-layer.backprop.yaml → two-layer. */
export function defaultSpecName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/(\.backprop)?\.(ya?ml|json)$/i, '') || base;
}

function parse(text: string, fileName: string): ParseResult {
  const r = new Reader(text);
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    // Text decoded as UTF-8 from UTF-16 has a NUL beside nearly every character.
    const utf16 = /^(\ufffd\ufffd|\ufeff)?(\0[^\0]|[^\0]\0)/.test(text);
    r.error(utf16 ? START : r.span(nul, nul + 1), utf16 ? 'spec.utf16' : 'spec.nul');
    return { spec: null, problems: r.finish() };
  }
  if (/\.json$/i.test(fileName)) {
    // Checked before YAML reads it: the scanner is linear and keeps its own stack, and its message is the JSON one.
    const jsonError = jsonSyntaxError(text);
    if (jsonError) {
      r.error(r.span(jsonError.start, jsonError.end), jsonError.message);
      return { spec: null, problems: r.finish() };
    }
  }
  const read = readDocument(text);
  if ('refused' in read) {
    r.error(r.span(read.refused.offset, read.refused.offset + 1), read.refused.message);
    return { spec: null, problems: r.finish() };
  }
  const doc = read.doc;
  for (const m of syntaxMistakes(text, doc.errors, read.tokens, MAX_PROBLEMS)) r.error(r.span(m.start, m.end), m.message);
  for (const w of doc.warnings) r.warn(r.span(w.pos[0], w.pos[1]), 'spec.yamlWarning', { warning: w.message });
  if (doc.errors.length === 0) reportDuplicateKeys(r, doc.contents);
  if (r.errorCount() > 0) return { spec: null, problems: r.finish() };

  const top = doc.contents;
  if (!isMap(top)) {
    const empty = r.isEmpty(top);
    if (empty) r.error(START, 'spec.emptySpec');
    else r.error(r.rangeOf(top), 'spec.specNotMapping', { got: r.describe(top) });
    return { spec: null, problems: r.finish() };
  }

  const keys = top.items.map((p) => (isScalar(p.key) ? p.key.value : undefined));
  const form = keys.includes('graph') ? 'graph' : 'network';
  const entries = r.entries(top, phrase(form === 'graph' ? 'spec.what.graphSpec' : 'spec.what.networkSpec'), form === 'graph' ? [...GRAPH_SPEC_KEYS, 'layers'] : NETWORK_KEYS);
  const docRange = r.rangeOf(top);
  const headRange = top.items.length > 0 ? r.rangeOf(top.items[0].key as YNode) : START;

  const nameEntry = entries.get('name');
  let name = defaultSpecName(fileName);
  if (nameEntry) name = r.string(nameEntry, 'name') ?? name;

  let spec: Spec | undefined;
  if (form === 'graph') {
    const layers = entries.get('layers');
    if (layers) r.error(layers.keyRange, 'spec.networkAndGraph');
    spec = readGraph(r, entries.get('graph')!, name);
  } else {
    spec = readNetwork(r, entries, name, docRange, headRange);
  }
  const problems = r.finish();
  return { spec: spec && !hasErrors(problems) ? spec : null, problems };
}

/**
 * Duplicate keys, as the YAML option uniqueKeys would report them but in linear time (that option
 * compares each key with every earlier one). Scalar keys are equal when their values are.
 */
function reportDuplicateKeys(r: Reader, root: unknown): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isSeq(node)) {
      pending.push(...node.items);
    } else if (isMap(node)) {
      const seen = new Map<unknown, YNode>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const first = seen.get(pair.key.value);
          if (first) {
            const name = truncate(String(pair.key.value));
            r.error(r.rangeOf(pair.key), 'spec.duplicateKey', { name, line: String(r.rangeOf(first).start.line + 1) });
          } else if (pair.key.value === pair.key.value) seen.set(pair.key.value, pair.key);
        }
        pending.push(pair.key, pair.value);
      }
    }
  }
}

function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Deepest nesting read: the YAML composer recurses once per level, and V8 can die (not throw) near stack exhaustion. */
export const MAX_DEPTH = 100;

/**
 * Most YAML tokens read (each value, indicator, space run and line break is one; an inline number
 * in a list takes about four). The YAML library needs some microseconds and a kilobyte per token, so
 * this keeps a spec's reading within a second or so; data that large belongs in a .npy file.
 */
export const MAX_TOKENS = 400_000;

/** A composed YAML document with the parser's tokens (the CST), or where and why reading it was refused. */
export type ReadDocument = { doc: Document.Parsed; tokens: CST.Token[] } | { refused: { offset: number; message: Phrase } };

/**
 * Parses YAML as parseDocument does (first document, later ones an error), but token by token, so
 * nesting past MAX_DEPTH (the parser's own stack of open collections) or more than MAX_TOKENS
 * tokens is refused, at the offending token, before anything is composed. Duplicate keys are left
 * to the caller (reportDuplicateKeys in parseSpec).
 */
export function readDocument(text: string): ReadDocument {
  const parser = new Parser();
  const tokens: CST.Token[] = [];
  let count = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const at = parser.offset;
    if (++count > MAX_TOKENS) {
      return { refused: { offset: at, message: phrase('spec.tooManyTokens', { max: fmtCount(MAX_TOKENS) }) } };
    }
    for (const token of parser.next(lexeme)) tokens.push(token);
    // The stack holds the document and each open collection.
    if (parser.stack.length > MAX_DEPTH + 1) return { refused: { offset: at, message: phrase('spec.tooDeep', { max: String(MAX_DEPTH) }) } };
  }
  for (const token of parser.end()) tokens.push(token);
  const composer = new Composer({ uniqueKeys: false });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return { doc: doc!, tokens };
}
