// Authoring help from the shipped JSON Schema, so specs need no YAML extension: completions and key
// hovers. Text being typed is often broken, so the cursor's place comes from the yaml AST of the text
// with a marker word in place of the word at the cursor (the yaml parser recovers from most errors).
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import schemaJson from '../../schemas/backprop.schema.json';
import type { Phrase, Position, Range } from './model';
import { readDocument } from './parse';
import { englishOf, phrase, type SpecMessageId } from './problem';
import type { YNode } from './reader';

/**
 * A piece of the text the editor shows: as it is (a key, enum values), a description of the schema
 * (its English text, which l10n/schema.ko.json translates), or a phrase of the spec catalogue.
 */
export type AssistPiece = { verbatim: string } | { description: string } | Phrase;

/** Text the editor shows: `pieces` joined by `separator`, with its English `message`. */
export interface AssistText {
  message: string;
  pieces: AssistPiece[];
  separator: string;
}

/** One completion proposal. */
export interface CompletionItem {
  /** The key or value as shown and filtered. */
  label: string;
  /** A mapping key, or a value. */
  kind: 'key' | 'value';
  /** Short type summary shown beside the label. */
  detail?: AssistText;
  /** Markdown from the schema's description. */
  documentation?: AssistText;
  /** Text to insert when it differs from the label (`units: `, `"mse"`). */
  insertText?: string;
}

/** Completion proposals and the word they replace. */
export interface Completions {
  /** Proposals, keys in schema order, values in enum order. */
  items: CompletionItem[];
  /** The word at the cursor that a proposal replaces (empty at a fresh position); absent when there is nothing to propose. */
  range?: Range;
}

/** A key's hover. */
export interface KeyHover {
  /** Markdown: the key, its description, its allowed values and default. */
  contents: AssistText;
  /** The key's range. */
  range: Range;
}

/** The parts of JSON Schema draft-07 the spec schema uses. */
interface SchemaNode {
  /** "#/definitions/name". */
  $ref?: string;
  /** What the value means. */
  description?: string;
  /** Allowed values. */
  enum?: unknown[];
  /** Value when absent. */
  default?: unknown;
  /** JSON type name(s). */
  type?: string | string[];
  /** Keys of an object. */
  properties?: Record<string, SchemaNode>;
  /** Schema of other keys, or false when there are none. */
  additionalProperties?: boolean | SchemaNode;
  /** Schema of list items. */
  items?: SchemaNode;
  /** Alternatives. */
  anyOf?: SchemaNode[];
  /** Alternatives, exactly one matching. */
  oneOf?: SchemaNode[];
  /** Conjuncts. */
  allOf?: SchemaNode[];
  /** Condition choosing `then` or `else`. */
  if?: SchemaNode;
  /** Applies when `if` matches. */
  then?: SchemaNode;
  /** Applies when `if` does not match. */
  else?: SchemaNode;
  /** Keys that must be present. */
  required?: string[];
  /** The only allowed value. */
  const?: unknown;
}

/** The English of a piece. */
function englishPiece(piece: AssistPiece): string {
  return 'verbatim' in piece ? piece.verbatim : 'description' in piece ? piece.description : englishOf(piece);
}

/** `pieces` joined by `separator`, with their English. */
function assistText(pieces: AssistPiece[], separator: string): AssistText {
  return { message: pieces.map(englishPiece).join(separator), pieces, separator };
}

/** The words of a type summary that are said in the user's language; others (null) stay as they are. */
const TYPE_WORDS: Readonly<Record<string, SpecMessageId>> = {
  integer: 'spec.assist.type.integer',
  number: 'spec.assist.type.number',
  string: 'spec.assist.type.string',
  boolean: 'spec.assist.type.boolean',
  list: 'spec.assist.type.list',
  object: 'spec.assist.type.object',
};

/** A key's default, as `Default: \`0\``. */
const defaultPiece = (value: string): Phrase => phrase('spec.assist.defaultValue', { value });

const ROOT = schemaJson as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };

/** Stands in for the word at the cursor: a plain YAML scalar and a valid JSON string body. */
const MARK = 'bplCursorMark';

/** Characters of a word the cursor can be in: keys, enum names, numbers, `$schema`. */
const WORD = /[A-Za-z0-9_$.+-]/;

/** A mapping key or a list index. */
type Segment = string | number;

/** Where the marker sits in the AST. */
interface Context {
  /** Typing a key, a value, or a list item (which may be a bare value or start a mapping). */
  role: 'key' | 'value' | 'item';
  /** Keys and indices from the root to the mapping (key) or to the value or item. */
  path: Segment[];
  /** The nodes along `path`: nodes[0] is the root, nodes[i + 1] the node at path[i]. */
  nodes: YNode[];
  /** Keys already in the mapping being typed in (role key). */
  present: string[];
  /** Whether the item is in a flow list `[...]`, where a key would start an odd one-pair mapping. */
  flowItem: boolean;
}

/**
 * Keys allowed at `offset` that are not there yet, or the allowed values of the key or list item
 * being typed (enums: layer types, losses, ops, modes, init schemes, ...). Broken or unfinished
 * text gives what can be inferred, possibly nothing; it never throws.
 */
export function completionsAt(text: string, fileName: string, offset: number): Completions {
  return complete(text, /\.json$/i.test(fileName), clamp(offset, text));
}

/**
 * The hover of the mapping key at `offset`, or null when the offset is on no key the schema knows.
 * JSON and YAML keys read alike, so the file name is not needed (it is taken to match completionsAt).
 * Never throws.
 */
export function keyHoverAt(text: string, _fileName: string, offset: number): KeyHover | null {
  return hover(text, clamp(offset, text));
}

/** An offset as an integer within the text. */
function clamp(offset: number, text: string): number {
  return Math.max(0, Math.min(Math.trunc(offset) || 0, text.length));
}

function complete(text: string, json: boolean, offset: number): Completions {
  let start = offset;
  while (start > 0 && WORD.test(text[start - 1])) start--;
  let end = offset;
  while (end < text.length && WORD.test(text[end])) end++;
  // A leading '-' is a list indicator being typed, not part of the word (unless a number follows).
  while (start < end && text[start] === '-' && !/[0-9.]/.test(text[start + 1] ?? '')) start++;
  if (start > offset) end = start = offset;

  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lead = text.slice(lineStart, start);
  const quote = openQuote(lead);
  const lineEnd = text.indexOf('\n', end) < 0 ? text.length : text.indexOf('\n', end);
  const rest = text.slice(end, lineEnd);
  const before = text.slice(0, start) + (quote === undefined && /(:|^[ \t]*-)$/.test(lead) ? ' ' : '');
  const unclosed = quote !== undefined && text[end] !== quote ? quote : undefined;
  const after = (unclosed ?? '') + text.slice(end);
  // A word alone on its line is most likely a new key; try that reading first, then the plain one.
  const alone = quote === undefined && /^[ \t]*$/.test(lead) && /^[ \t]*(#.*)?\r?$/.test(rest);
  const variants = alone ? [`${before}${MARK}:${after}`, `${before}${MARK}${after}`] : [`${before}${MARK}${after}`];

  const range = { start: positionAt(text, start), end: positionAt(text, end) };
  const style: Style = { json, quoted: quote !== undefined, ...(unclosed && { unclosed }), colonFollows: /^["']?[ \t]*:/.test(rest) };
  let found = false;
  for (const variant of variants) {
    const read = readDocument(variant);
    if ('refused' in read) continue;
    const doc = read.doc;
    const context = locate(doc.contents as YNode, [], [doc.contents as YNode]);
    if (!context) continue;
    found = true;
    const items = proposals(context, style);
    if (items.length > 0) return { items, range };
  }
  return found ? { items: [], range } : { items: [] };
}

/** How proposals are spelled at the cursor. */
interface Style {
  /** A JSON file: keys and strings are quoted. */
  json: boolean;
  /** The cursor is inside a quoted string, whose quotes stay. */
  quoted: boolean;
  /** The quote character when that string is not closed yet. */
  unclosed?: string;
  /** A colon already follows the word (a key being renamed). */
  colonFollows: boolean;
}

/** The quote character left open at the end of `lead` (a line up to the word), if any. */
function openQuote(lead: string): string | undefined {
  let open: string | undefined;
  for (let i = 0; i < lead.length; i++) {
    const c = lead[i];
    if (open === undefined) {
      if (c === '"' || c === "'") open = c;
      else if (c === '#' && (i === 0 || /\s/.test(lead[i - 1]))) return undefined;
    } else if (c === '\\' && open === '"') i++;
    else if (c === open) open = undefined;
  }
  return open;
}

/** Whether a node is a scalar holding the marker. */
function marked(node: YNode): boolean {
  return isScalar(node) && typeof node.value === 'string' && node.value.includes(MARK);
}

/** Keys of a mapping as text. */
function keysOf(map: YAMLMap): string[] {
  return map.items.flatMap((p) => (isScalar(p.key) && p.key.value !== null ? [String(p.key.value)] : []));
}

/** The marker's context under `node`, depth first. */
function locate(node: YNode, path: Segment[], nodes: YNode[]): Context | undefined {
  const base = { present: [], flowItem: false };
  if (marked(node)) return path.length === 0 ? { ...base, role: 'key', path, nodes } : undefined;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as YNode;
      const value = pair.value as YNode;
      if (marked(key)) return { ...base, role: 'key', path, nodes, present: keysOf(node).filter((k) => !k.includes(MARK)) };
      if (!isScalar(key)) continue;
      const segment = String(key.value);
      if (marked(value)) return { ...base, role: 'value', path: [...path, segment], nodes: [...nodes, value] };
      const found = locate(value, [...path, segment], [...nodes, value]);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of (node.items as YNode[]).entries()) {
      const here = { path: [...path, i], nodes: [...nodes, item], present: [], flowItem: node.flow === true };
      if (marked(item)) return { ...here, role: 'item' };
      // `- word:` (or `[word:]`) is still a list item being started.
      if (isMap(item) && item.items.length === 1 && marked(item.items[0].key as YNode) && isEmptyValue(item.items[0].value as YNode)) return { ...here, role: 'item' };
      const found = locate(item, [...path, i], [...nodes, item]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A missing or empty value. */
function isEmptyValue(node: YNode): boolean {
  return !node || (isScalar(node) && node.value === null);
}

/** Proposals for a context. */
function proposals(context: Context, style: Style): CompletionItem[] {
  const schemas = schemasAt(context.path, context.nodes);
  const node = context.nodes[context.nodes.length - 1];
  if (context.role === 'key') return keyItems(schemas, isMap(node) ? node : undefined, context.present, style);
  const values = valueItems(schemas, style);
  if (context.role === 'value' || context.flowItem || style.json) return values;
  return [...values, ...keyItems(schemas, undefined, [], style)];
}

/** Keys of the object schemas in `schemas` not yet in `present`. */
function keyItems(schemas: SchemaNode[], map: YAMLMap | undefined, present: string[], style: Style): CompletionItem[] {
  const items: CompletionItem[] = [];
  const seen = new Set(present);
  const add = (key: string, prop: SchemaNode, node: YNode) => {
    if (seen.has(key)) return;
    seen.add(key);
    const info = describe(prop, node);
    const pieces: AssistPiece[] = [...(info.description ? [{ description: info.description }] : []), ...(info.defaultText !== undefined ? [defaultPiece(info.defaultText)] : [])];
    const documentation = pieces.length > 0 ? assistText(pieces, '\n\n') : undefined;
    const insertText = style.colonFollows ? key : style.unclosed !== undefined ? `${key}${style.unclosed}: ` : style.quoted ? key : style.json ? `"${key}": ` : `${key}: `;
    items.push({ label: key, kind: 'key', ...(info.detail && { detail: info.detail }), ...(documentation && { documentation }), ...(insertText !== key && { insertText }) });
  };
  for (const s of schemas) for (const [key, prop] of Object.entries(s.properties ?? {})) add(key, prop, map?.get(key, true) as YNode);
  // A form chosen by a key's presence (graph): offer that key while every key present fits that form.
  for (const s of schemas) {
    if (!s.if?.required || !s.then || matches(s.if, map)) continue;
    const form = expand(s.then, map);
    const allowed = new Set(form.flatMap((f) => Object.keys(f.properties ?? {})));
    if (!present.every((k) => allowed.has(k))) continue;
    for (const key of s.if.required) {
      const prop = form.map((f) => own(f.properties, key)).find((p) => p !== undefined);
      if (prop) add(key, prop, undefined);
    }
  }
  return items;
}

/** The enum values of `schemas`, null left out (it means "leave the key out"). */
function valueItems(schemas: SchemaNode[], style: Style): CompletionItem[] {
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const s of schemas) {
    for (const v of s.enum ?? []) {
      if (v === null || typeof v === 'object') continue;
      const label = String(v);
      if (seen.has(label)) continue;
      seen.add(label);
      const insertText = style.unclosed !== undefined ? `${label}${style.unclosed}` : style.json && !style.quoted && typeof v === 'string' ? `"${label}"` : label;
      items.push({
        label,
        kind: 'value',
        ...(s.default === v && { detail: assistText([phrase('spec.assist.default')], '') }),
        ...(s.description && { documentation: assistText([{ description: s.description }], '') }),
        ...(insertText !== label && { insertText }),
      });
    }
  }
  return items;
}

function hover(text: string, offset: number): KeyHover | null {
  const read = readDocument(text);
  if ('refused' in read) return null;
  const doc = read.doc;
  const found = keyAt(doc.contents as YNode, offset, [], [doc.contents as YNode]);
  if (!found) return null;
  const { key, keyRange, path, nodes } = found;
  const parent = nodes[nodes.length - 1];
  const value = isMap(parent) ? (parent.get(key, true) as YNode) : undefined;
  const prop = schemasAt(path, nodes)
    .map((s) => own(s.properties, key) ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined))
    .find((p) => p !== undefined);
  if (!prop) return null;
  const { description, values, defaultText } = describe(prop, value);
  const parts: AssistPiece[] = [{ verbatim: `**${key}**` }];
  if (description) parts.push({ description });
  if (values.length > 0) parts.push(phrase('spec.assist.values', { values: values.map((v) => `\`${v}\``).join(', ') }));
  if (defaultText !== undefined) parts.push(defaultPiece(defaultText));
  return { contents: assistText(parts, '\n\n'), range: { start: positionAt(text, keyRange[0]), end: positionAt(text, keyRange[1]) } };
}

/** The scalar key whose text holds `offset`, with the path to its mapping. */
function keyAt(node: YNode, offset: number, path: Segment[], nodes: YNode[]): { key: string; keyRange: [number, number]; path: Segment[]; nodes: YNode[] } | undefined {
  const range = node?.range;
  if (!range || offset < range[0] || offset > range[2]) return undefined;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as YNode;
      if (!isScalar(key) || key.value === null) continue;
      const r = key.range;
      if (r && offset >= r[0] && offset < r[1]) return { key: String(key.value), keyRange: [r[0], r[1]], path, nodes };
      const found = keyAt(pair.value as YNode, offset, [...path, String(key.value)], [...nodes, pair.value as YNode]);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of (node.items as YNode[]).entries()) {
      const found = keyAt(item, offset, [...path, i], [...nodes, item]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A property's type summary, enum values, description and default, read through its refs and alternatives. */
function describe(prop: SchemaNode, node: YNode): { detail?: AssistText; values: string[]; description?: string; defaultText?: string } {
  const all = expand(prop, node);
  const values = [...new Set(all.flatMap((s) => (s.enum ?? []).filter((v) => v !== null && typeof v !== 'object').map(String)))];
  const types = new Set<string>();
  for (const s of all) {
    for (const t of typeof s.type === 'string' ? [s.type] : (s.type ?? [])) types.add(t === 'array' ? 'list' : t);
    if (s.properties) types.add('object');
  }
  const words: AssistPiece[] = [...types].map((t) => (Object.hasOwn(TYPE_WORDS, t) ? phrase(TYPE_WORDS[t]) : { verbatim: t }));
  const pieces: AssistPiece[] = [...(values.length > 0 ? [{ verbatim: values.join(' | ') }] : []), ...words];
  const detail = pieces.length > 0 ? assistText(pieces, ' | ') : undefined;
  const description = all.find((s) => s.description)?.description;
  const dflt = all.find((s) => s.default !== undefined)?.default;
  const defaultText = dflt === undefined ? undefined : typeof dflt === 'string' ? dflt : JSON.stringify(dflt);
  return { ...(detail && { detail }), values, ...(description && { description }), ...(defaultText !== undefined && { defaultText }) };
}

/** The schemas that apply at `path` (nodes along it decide if/then/else). */
function schemasAt(path: Segment[], nodes: YNode[]): SchemaNode[] {
  let schemas = expand(ROOT, nodes[0]);
  for (const [i, segment] of path.entries()) {
    const next: SchemaNode[] = [];
    for (const s of schemas) {
      const child = typeof segment === 'number' ? s.items : (own(s.properties, segment) ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined));
      if (child) expand(child, nodes[i + 1], next);
    }
    schemas = next;
  }
  return schemas;
}

/** `s` and every schema it brings in at `node`: $ref targets, anyOf/oneOf/allOf members, the if/then/else branch. */
function expand(s: SchemaNode, node: YNode, out: SchemaNode[] = []): SchemaNode[] {
  if (out.includes(s)) return out;
  out.push(s);
  const target = s.$ref?.startsWith('#/definitions/') ? own(ROOT.definitions, s.$ref.slice('#/definitions/'.length)) : undefined;
  if (target) expand(target, node, out);
  for (const member of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) if (!excluded(member, node)) expand(member, node, out);
  for (const member of s.allOf ?? []) expand(member, node, out);
  const branch = s.if ? (matches(s.if, node) ? s.then : s.else) : undefined;
  if (branch) expand(branch, node, out);
  return out;
}

/**
 * Whether the alternative `member` cannot be what `node` is: a property it fixes to one value (a
 * python layer's type: python, a python node's op) has another value there.
 */
function excluded(member: SchemaNode, node: YNode): boolean {
  const target = member.$ref?.startsWith('#/definitions/') ? own(ROOT.definitions, member.$ref.slice('#/definitions/'.length)) : member;
  if (!target?.properties || !isMap(node)) return false;
  return Object.entries(target.properties).some(([key, prop]) => {
    const fixed = prop.enum?.length === 1 ? prop.enum[0] : undefined;
    const value = node.get(key, true) as YNode;
    return fixed !== undefined && isScalar(value) && value.value !== null && !String(value.value).includes(MARK) && value.value !== fixed;
  });
}

/** Whether `node` satisfies an `if` condition: its `required` keys and the const/enum of present properties. */
function matches(condition: SchemaNode, node: YNode): boolean {
  const map = isMap(node) ? node : undefined;
  if (condition.required && !condition.required.every((k) => map?.has(k))) return false;
  for (const [key, prop] of Object.entries(condition.properties ?? {})) {
    const value = map?.get(key, true) as YNode;
    if (!value) continue;
    const v = isScalar(value) ? value.value : undefined;
    if ('const' in prop && v !== prop.const) return false;
    if (prop.enum && !prop.enum.includes(v)) return false;
  }
  return true;
}

/** `record[key]` when it is the record's own property (keys come from user text). */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Zero-based line and UTF-16 column of `offset`. */
function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}
