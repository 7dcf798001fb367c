// The spec editor's completions and key hovers in Korean: the schema's descriptions from
// l10n/schema.ko.json (every one translated, keeping its `code` spans and { ... } examples), the
// fixed words from the spec catalogue, keys and values as they are; English unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assistIn } from '../../src/extension/assist-text';
import { completionsAt, keyHoverAt, type AssistText } from '../../src/spec/assist';

const root = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'backprop.schema.json'), 'utf8'));
const defs = schema.definitions;
const ko = JSON.parse(readFileSync(join(root, 'l10n', 'schema.ko.json'), 'utf8')) as Record<string, string>;

/** Every `description` in the schema (not inside enum, const or default values). */
function descriptions(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) descriptions(n, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'description' && typeof value === 'string') out.add(value);
      else if (key !== 'enum' && key !== 'const' && key !== 'default') descriptions(value, out);
    }
  }
  return out;
}

/** What a translation keeps as it is: `code` spans and { ... } examples of spec text. */
const kept = (text: string) => [...text.matchAll(/`[^`]+`|\{[^{}]*\}/g)].map((m) => m[0]).sort();

const said = (t: AssistText | undefined, language: 'en' | 'ko') => (t ? assistIn(t, language) : undefined);

test('l10n/schema.ko.json translates every description of the schema, and nothing else', () => {
  const all = descriptions(schema);
  assert.ok(all.size > 100, `only ${all.size} descriptions`);
  assert.deepEqual([...all].filter((d) => !Object.hasOwn(ko, d)), [], 'descriptions without Korean');
  assert.deepEqual(Object.keys(ko).filter((d) => !all.has(d)), [], 'Korean of no description (the English changed?)');
  for (const [english, korean] of Object.entries(ko)) {
    assert.match(korean, /[\uac00-\ud7a3]/, `not in Korean: ${korean}`);
    assert.deepEqual(kept(korean), kept(english), `code spans or { ... } of ${JSON.stringify(english)}: ${korean}`);
  }
});

test('a completion list in Korean: descriptions, defaults and type words', () => {
  const { items } = completionsAt('', 'net.backprop.yaml', 0);
  const seed = items.find((i) => i.label === 'seed');
  const description = defs.networkSpec.properties.seed.description;
  assert.equal(said(seed?.documentation, 'ko'), `${ko[description]}\n\n기본값: \`0\``);
  assert.equal(said(seed?.detail, 'ko'), '정수');
  // English is the text the items carry, as before.
  assert.equal(said(seed?.documentation, 'en'), `${description}\n\nDefault: \`0\``);
  assert.equal(said(seed?.detail, 'en'), 'integer');
  for (const item of items) {
    assert.equal(said(item.documentation, 'en'), item.documentation?.message, item.label);
    assert.match(said(item.documentation, 'ko') ?? '', /[\uac00-\ud7a3]/, `${item.label}: ${said(item.documentation, 'ko')}`);
  }
  const mode = items.find((i) => i.label === 'mode');
  assert.equal(said(mode?.detail, 'ko'), 'train | eval');
  const layers = items.find((i) => i.label === 'layers');
  assert.equal(said(layers?.detail, 'en'), 'list');
  assert.equal(said(layers?.detail, 'ko'), '목록');
  const input = completionsAt('input:\n  ', 'net.backprop.yaml', 'input:\n  '.length).items;
  assert.equal(said(input.find((i) => i.label === 'random')?.detail, 'ko'), '매핑');
  assert.equal(said(input.find((i) => i.label === 'shape')?.detail, 'ko'), '목록');
  const check = completionsAt('check:\n  ', 'net.backprop.yaml', 'check:\n  '.length).items;
  assert.equal(said(check.find((i) => i.label === 'h')?.detail, 'ko'), '숫자');
  assert.equal(said(check.find((i) => i.label === 'h')?.documentation, 'ko'), `${ko[defs.networkSpec.properties.check.properties.h.description]}\n\n기본값: \`0.0001\``);
});

test('a value in Korean: its default mark and its description; the value itself as it is', () => {
  const text = 'input:\n  dataset: mnist\n  split: ';
  const [train, testSplit] = completionsAt(text, 'net.backprop.yaml', text.length).items;
  assert.equal(train.label, 'train');
  assert.equal(said(train.detail, 'ko'), '기본값');
  assert.equal(said(train.detail, 'en'), 'default');
  assert.equal(said(train.documentation, 'ko'), ko[defs.input.properties.split.description]);
  assert.equal(testSplit.detail, undefined);
});

test('a key hover in Korean: the key and its values as they are, the rest in Korean', () => {
  const text = 'seed: 1\nmode: eval';
  const hover = keyHoverAt(text, 'net.backprop.yaml', text.indexOf('mode') + 1);
  assert.ok(hover);
  assert.equal(assistIn(hover.contents, 'ko'), `**mode**\n\n${ko[defs.networkSpec.properties.mode.description]}\n\n값: \`train\`, \`eval\`\n\n기본값: \`train\``);
  assert.equal(assistIn(hover.contents, 'en'), `**mode**\n\n${defs.networkSpec.properties.mode.description}\n\nValues: \`train\`, \`eval\`\n\nDefault: \`train\``);
  const graph = 'graph:\n  inputs: { apple: 1 }';
  const apple = keyHoverAt(graph, 'net.backprop.yaml', graph.indexOf('apple') + 1);
  assert.equal(apple && assistIn(apple.contents, 'ko'), `**apple**\n\n${ko[defs.graphSpec.properties.graph.properties.inputs.additionalProperties.description]}`);
});
