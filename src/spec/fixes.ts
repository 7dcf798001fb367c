// Quick fixes as text edits: one edit that rewrites (or adds) an affine layer's `init`, found by the
// yaml node ranges, so everything outside that value keeps its formatting and comments; each fix's
// title says what its edit changes, and Fix all gathers the fixes of every finding.
import { isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import type { SpecMessageId } from './problem';
import type { Phrase, Range } from './model';
import { englishOf, phrase } from './problem';
import { readDocument } from './parse';
import { LAYER_ALIASES, LAYER_TYPES } from './parse-network';
import { lookup, Reader, type YNode } from './reader';

/** An init change a health finding proposes. */
export type InitFixKind = 'he-init' | 'xavier-init' | 'smaller-std';

/** One text edit: replace `range` (empty for an insertion) by `newText`. */
export interface TextEdit {
  /** The text to replace. */
  range: Range;
  /** What goes there. */
  newText: string;
}

/** An init edit, and what became of a bias the old init set. */
export interface InitEdit extends TextEdit {
  /** The old init's non-zero bias as the spec spells it, and whether the new init keeps it. */
  bias?: { text: string; kept: boolean };
}

/**
 * The edit that sets the init of the layer at `layerIndex` in `layers`: `he`, `xavier` or
 * `{ std: 0.01 }` (JSON spelling in *.json). An existing non-zero bias is kept, except that He
 * init drops a negative one: a negative bias is what kills ReLUs, and He init alone would not
 * revive them. The new value is written on the key's line in flow style, replacing the whole old
 * value (with any comments inside it). Null when the text does not parse, the index is out of
 * range, the layer is not an affine mapping, it sets W explicitly, or it has that init already
 * (either way the edit would change nothing).
 */
export function initFix(text: string, fileName: string, layerIndex: number, fix: InitFixKind): InitEdit | null {
  const read = readDocument(text);
  if ('refused' in read) return null;
  const doc = read.doc;
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  const layers = doc.contents.get('layers', true) as YNode;
  if (!isSeq(layers) || !Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= layers.items.length) return null;
  const layer = layers.items[layerIndex] as YNode;
  if (!isMap(layer) || !takesInit(layer) || hasExplicitW(layer)) return null;

  const json = /\.json$/i.test(fileName);
  const r = new Reader(text);
  const initPair = layer.items.find((p) => isScalar(p.key) && p.key.value === 'init');
  const bias = initPair ? oldBias(text, initPair.value as YNode, fix) : undefined;
  const value = initValue(fix, bias?.kept ? bias.text : undefined, json);
  if (initPair) {
    // From just after the colon, so that a block value on the following lines goes too.
    const keyEnd = (initPair.key as YNode)?.range?.[1] ?? 0;
    const colon = text.indexOf(':', keyEnd);
    const end = valueEnd(text, initPair.value as YNode) ?? colon + 1;
    // The layer has that init already: an edit would change nothing.
    if (sameInit(text.slice(colon + 1, end), value)) return null;
    return { range: r.span(colon + 1, Math.max(colon + 1, end)), newText: ` ${value}`, ...(bias && { bias }) };
  }
  const entry = `${json ? '"init"' : 'init'}: ${value}`;
  const last = layer.items[layer.items.length - 1];
  const lastEnd = last ? pairEnd(text, last) : undefined;
  if (!last || lastEnd === undefined) return null;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (!layer.flow) {
    // A new line under the layer's keys, after any comment on the last pair's line.
    const indent = ' '.repeat(r.position(layer.range?.[0] ?? 0).character);
    let at = text.indexOf('\n', lastEnd);
    if (at < 0) at = text.length;
    if (text[at - 1] === '\r') at--;
    return { range: r.span(at, at), newText: `${eol}${indent}${entry}` };
  }
  // In a flow mapping written one key per line, the new key gets its own line at the last key's indent.
  const lastKey = (last.key as YNode)?.range?.[0] ?? 0;
  const lineStart = text.lastIndexOf('\n', lastKey - 1) + 1;
  const lead = text.slice(lineStart, lastKey);
  const ownLine = lineStart > (layer.range?.[0] ?? 0) && /^[ \t]*$/.test(lead);
  return { range: r.span(lastEnd, lastEnd), newText: ownLine ? `,${eol}${lead}${entry}` : `, ${entry}` };
}

/** Whether two init values are the same text but for spaces and quotes. */
function sameInit(a: string, b: string): boolean {
  const bare = (v: string) => v.replace(/[\s"']/g, '');
  return bare(a) === bare(b);
}

/** Whether a layer mapping's `type` names a layer with an init: affine or convolution (or an alias). */
function takesInit(layer: YAMLMap): boolean {
  const type = layer.get('type', true) as YNode;
  const named = isScalar(type) && typeof type.value === 'string' ? lookup(type.value, LAYER_TYPES, LAYER_ALIASES) : undefined;
  return named === 'affine' || named === 'convolution';
}

/** Whether a layer mapping gives W under `weights`. */
function hasExplicitW(layer: YAMLMap): boolean {
  const weights = layer.get('weights', true) as YNode;
  return isMap(weights) && weights.has('W');
}

/** The source text of a non-zero numeric `bias` in an init mapping, and whether `fix` keeps it. */
function oldBias(text: string, init: YNode, fix: InitFixKind): InitEdit['bias'] {
  if (!isMap(init)) return undefined;
  const bias = init.get('bias', true) as YNode;
  if (!isScalar(bias) || typeof bias.value !== 'number' || bias.value === 0 || !bias.range) return undefined;
  return { text: text.slice(bias.range[0], bias.range[1]), kept: !(fix === 'he-init' && bias.value < 0) };
}

/** The new init value in flow style: a scheme name, or a mapping when there is a bias or a std. */
function initValue(fix: InitFixKind, bias: string | undefined, json: boolean): string {
  const q = (s: string) => (json ? `"${s}"` : s);
  const fields: string[] = [];
  if (fix === 'smaller-std') fields.push(`${q('std')}: 0.01`);
  else if (bias === undefined) return q(fix === 'he-init' ? 'he' : 'xavier');
  else fields.push(`${q('scheme')}: ${q(fix === 'he-init' ? 'he' : 'xavier')}`);
  if (bias !== undefined) fields.push(`${q('bias')}: ${bias}`);
  return `{ ${fields.join(', ')} }`;
}

/** Where a value's text ends (without trailing space and comments), or undefined for no value. */
function valueEnd(text: string, node: YNode): number | undefined {
  const range = node?.range;
  if (!range || range[0] === range[1]) return undefined;
  let end = range[1];
  while (end > range[0] && /\s/.test(text[end - 1])) end--;
  return end;
}

/** Where a pair's text ends: its value's end, or its key's for an empty value. */
function pairEnd(text: string, pair: Pair): number | undefined {
  return valueEnd(text, pair.value as YNode) ?? (pair.key as YNode)?.range?.[1];
}

/** A fix a finding proposes: the init of the layer at `layer` changes. */
export interface InitChange {
  kind: InitFixKind;
  layer: number;
}

/** A fix as the user sees it: what it does, and its edits of the spec. */
export interface SpecFix {
  /** What the edits change, in English, e.g. "Use He init (suits ReLU stacks) in Affine1 and remove its bias -1". */
  title: string;
  /** The title as a message of the spec catalogue, for the host to render in the user's language. */
  label: Phrase;
  edits: TextEdit[];
}

const FIX_PHRASES = {
  'he-init': 'spec.fix.he',
  'xavier-init': 'spec.fix.xavier',
  'smaller-std': 'spec.fix.smallerStd',
} as const satisfies Record<InitFixKind, SpecMessageId>;

/** `change` as an edit of `text` with its title (`layerNames` name the layers), or null when it would change nothing. */
export function specFix(text: string, fileName: string, layerNames: readonly string[], change: InitChange): SpecFix | null {
  const edit = initFix(text, fileName, change.layer, change.kind);
  if (!edit) return null;
  const target = layerNames[change.layer];
  const fix = phrase(FIX_PHRASES[change.kind]);
  const bias = edit.bias;
  // One template per sentence shape, so a translation orders the layer, the fix and the bias its own way.
  const label =
    target === undefined
      ? !bias ? fix : bias.kept ? phrase('spec.fix.keepBias', { fix, bias: bias.text }) : phrase('spec.fix.removeBias', { fix, bias: bias.text })
      : !bias ? phrase('spec.fix.in', { fix, layer: target }) : bias.kept ? phrase('spec.fix.in.keepBias', { fix, layer: target, bias: bias.text }) : phrase('spec.fix.in.removeBias', { fix, layer: target, bias: bias.text });
  return { title: englishOf(label), label, edits: [{ range: edit.range, newText: edit.newText }] };
}

/**
 * Fix all: the fixes of every finding (each one's own and those of the other layers it blames),
 * one per layer, the first proposed winning, as edits of the same text. Each edit lies inside its
 * own layer, so none overlap. `changes` lists each fix's title; null when nothing would change.
 */
export function fixAll(text: string, fileName: string, layerNames: readonly string[], findings: readonly { fix?: InitChange; alsoFix?: InitChange[] }[]): { changes: string[]; labels: Phrase[]; edits: TextEdit[] } | null {
  const seen = new Set<number>();
  const fixes = findings.flatMap((f) => [...(f.fix ? [f.fix] : []), ...(f.alsoFix ?? [])]).flatMap((change) => {
    if (seen.has(change.layer)) return [];
    seen.add(change.layer);
    const fix = specFix(text, fileName, layerNames, change);
    return fix ? [fix] : [];
  });
  return fixes.length === 0 ? null : { changes: fixes.map((f) => f.title), labels: fixes.map((f) => f.label), edits: fixes.flatMap((f) => f.edits) };
}
