// Spec text (YAML, or JSON as YAML 1.2) to the model, with every problem at its source range.
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { jsonSyntaxError } from './json';
import type { Problem, Range, Spec } from './model';
import { GRAPH_SPEC_KEYS, readGraph } from './parse-graph';
import { NETWORK_KEYS, readNetwork } from './parse-network';
import { Reader, type YNode } from './reader';

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
    const why = e instanceof Error ? e.message : String(e);
    return { spec: null, problems: [{ message: `the spec could not be read: ${why}`, range: START, severity: 'error' }] };
  }
}

/** The file name without folders and spec extensions: nets/two-layer.backprop.yaml → two-layer. */
export function defaultSpecName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/(\.backprop)?\.(ya?ml|json)$/i, '') || base;
}

function parse(text: string, fileName: string): ParseResult {
  const lineCounter = new LineCounter();
  const deep = tooDeepAt(text);
  if (deep >= 0) {
    // Index the lines by hand: composing the document is what must not happen.
    lineCounter.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    const r = new Reader(text, lineCounter);
    r.error(r.span(deep, deep + 1), `the spec nests deeper than ${MAX_DEPTH} levels`);
    return { spec: null, problems: r.problems };
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const r = new Reader(text, lineCounter);

  if (/\.json$/i.test(fileName)) {
    const jsonError = jsonSyntaxError(text);
    if (jsonError) {
      r.error(r.span(jsonError.start, jsonError.end), jsonError.message);
      return { spec: null, problems: r.problems };
    }
  }
  for (const e of doc.errors) r.error(r.span(e.pos[0], e.pos[1]), e.message);
  for (const w of doc.warnings) r.warn(r.span(w.pos[0], w.pos[1]), w.message);
  if (doc.errors.length > 0) return { spec: null, problems: r.problems };

  const top = doc.contents;
  if (!isMap(top)) {
    const empty = r.isEmpty(top);
    const got = empty ? 'empty spec' : `a spec must be a mapping, not ${isSeq(top) ? 'a list' : r.describe(top)}`;
    r.error(empty ? START : r.rangeOf(top), `${got}: write a network (input, layers, loss) or a graph (graph: inputs, nodes, output)`);
    return { spec: null, problems: r.problems };
  }

  const keys = top.items.map((p) => (isScalar(p.key) ? p.key.value : undefined));
  const form = keys.includes('graph') ? 'graph' : 'network';
  const entries = r.entries(top, form === 'graph' ? 'a graph spec' : 'a network spec', form === 'graph' ? [...GRAPH_SPEC_KEYS, 'layers'] : NETWORK_KEYS);
  const docRange = r.rangeOf(top);
  const headRange = top.items.length > 0 ? r.rangeOf(top.items[0].key as YNode) : START;

  const nameEntry = entries.get('name');
  let name = defaultSpecName(fileName);
  if (nameEntry) name = r.string(nameEntry, 'name') ?? name;

  if (form === 'graph') {
    const layers = entries.get('layers');
    if (layers) r.error(layers.keyRange, 'a spec is either a network (layers) or a graph (graph), not both');
    const spec = readGraph(r, entries.get('graph')!, name);
    return { spec: spec && !hasErrors(r.problems) ? spec : null, problems: r.problems };
  }
  const spec = readNetwork(r, entries, name, docRange, headRange);
  return { spec: spec && !hasErrors(r.problems) ? spec : null, problems: r.problems };
}

function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Deepest nesting parsed: the YAML composer recurses once per level, and V8 can die (not throw) near stack exhaustion. */
const MAX_DEPTH = 100;

/**
 * Offset where nesting first exceeds MAX_DEPTH, or -1. An estimate from the text alone: open flow
 * brackets plus block indentation levels plus compact `- ` indicators, skipping quoted strings and
 * comments. Real specs nest a handful of levels, so the estimate only has to be near for absurd ones.
 */
export function tooDeepAt(text: string): number {
  const indents: number[] = [];
  let flow = 0;
  let quote: string | null = null;
  let offset = 0;
  for (const line of text.split('\n')) {
    let i = 0;
    let block = indents.length;
    if (quote === null && flow === 0) {
      while (line[i] === ' ') i++;
      if (i < line.length && line[i] !== '#' && line[i] !== '\r') {
        while (indents.length > 0 && indents[indents.length - 1] >= i) indents.pop();
        indents.push(i);
        block = indents.length;
        while (/^[-?:]( |$)/.test(line.slice(i, i + 2))) {
          block++;
          i += 2;
        }
      }
    }
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote !== null) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = null;
        continue;
      }
      const tokenStart = i === 0 || ' \t[{,:'.includes(line[i - 1]);
      if ((c === '"' || c === "'") && tokenStart) quote = c;
      else if (c === '#' && tokenStart) break;
      else if (c === '[' || c === '{') flow++;
      else if ((c === ']' || c === '}') && flow > 0) flow--;
      if (block + flow > MAX_DEPTH) return offset + i;
    }
    if (block > MAX_DEPTH) return offset;
    offset += line.length + 1;
  }
  return -1;
}
