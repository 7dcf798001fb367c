// Completions and key hovers, against the schema file read here as plain JSON; and a fuzz of random
// edits at random offsets: never an exception, always well-formed answers. The slowest answer is
// printed (the goal is 50 ms), not asserted: this machine is shared, and timings are noisy.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/engine/rng';
import { completionsAt, keyHoverAt, type CompletionItem, type Completions } from '../../src/spec/assist';
import { rangeOf, shrink } from './spec-helpers';

const root = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'backprop.schema.json'), 'utf8'));
const defs = schema.definitions;
const networkKeys = Object.keys(defs.networkSpec.properties);

/** Completions with the cursor at the '|' in `marked` (which is removed). */
function at(marked: string, fileName = 'net.backprop.yaml'): Completions & { text: string } {
  const offset = marked.indexOf('|');
  assert.notEqual(offset, -1);
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  return { ...completionsAt(text, fileName, offset), text };
}

const labels = (c: Completions, kind?: 'key' | 'value') => c.items.filter((i) => !kind || i.kind === kind).map((i) => i.label);

/** An item with its detail and documentation in English, as the editor shows them in English. */
const english = (i: CompletionItem | undefined) => i && { ...i, ...(i.detail && { detail: i.detail.message }), ...(i.documentation && { documentation: i.documentation.message }) };

test('top level: the network keys and graph, with descriptions and defaults from the schema', () => {
  const empty = at('|');
  assert.deepEqual(labels(empty), [...networkKeys, 'graph']);
  const seed = empty.items.find((i) => i.label === 'seed');
  assert.deepEqual(english(seed), { label: 'seed', kind: 'key', detail: 'integer', documentation: `${defs.networkSpec.properties.seed.description}\n\nDefault: \`0\``, insertText: 'seed: ' });
  assert.equal(empty.items.find((i) => i.label === 'graph')?.documentation?.message, defs.graphSpec.properties.graph.description);
  // A word being typed is replaced; keys already there are left out, and graph once layers are there.
  const typing = at('name: x\nlay|\nlayers: [relu]\n');
  assert.deepEqual(labels(typing), networkKeys.filter((k) => k !== 'name' && k !== 'layers'));
  assert.deepEqual(typing.range, rangeOf(typing.text, 'lay'));
});

test('graph form: its own keys once graph is there', () => {
  assert.deepEqual(labels(at('graph: {}\n|')), ['$schema', 'name']);
  assert.deepEqual(labels(at('graph:\n  |')), Object.keys(defs.graphSpec.properties.graph.properties));
  assert.deepEqual(labels(at('graph:\n  inputs: { a: 1 }\n  nodes:\n    - { name: b, op: pow, | }')), ['in', 'exponent']);
});

test('values: the enum of the key being typed', () => {
  const cases: [string, unknown[]][] = [
    ['layers:\n  - { type: |', [...defs.layerType.enum, 'python']],
    ['layers:\n  - type: affine\n    init: |\n', defs.init.anyOf[0].enum],
    ['layers:\n  - type: affine\n    init: { scheme: x| }\n', defs.init.anyOf[2].properties.scheme.enum],
    ['loss:|', ['softmax-with-loss', 'mse']],
    // A word alone on its line reads first as a key: of a python loss's mapping.
    ['loss:\n  so|', Object.keys(defs.pythonLoss.properties)],
    ['mode: | # comment\nlayers: [relu]', defs.networkSpec.properties.mode.enum],
    ['input:\n  random: { shape: [2, 3], dist: | }', defs.dist.enum],
    ['input:\n  dataset: mnist\n  split: te|', defs.input.properties.split.enum],
    ['input: { dataset: | }', ['mnist']],
    ['graph:\n  nodes:\n    - { name: a, op: | }', [...defs.node.properties.op.enum, 'python']],
    ['layers: [affine, |]', defs.layerType.enum],
  ];
  for (const [marked, expected] of cases) assert.deepEqual(labels(at(marked)), expected, marked);
  const split = at('input:\n  dataset: mnist\n  split: te|');
  assert.deepEqual(split.range, rangeOf(split.text, 'te'));
  assert.deepEqual(english(split.items[0]), { label: 'train', kind: 'value', detail: 'default', documentation: defs.input.properties.split.description });
});

test('keys inside nested mappings, block or flow, without the ones present', () => {
  const layerKeys = Object.keys(defs.layer.anyOf[1].properties);
  assert.deepEqual(labels(at('layers:\n  - { type: affine, un| }')), layerKeys.filter((k) => k !== 'type'));
  assert.deepEqual(labels(at('layers:\n  - type: affine\n    units: 3\n    |\n')), layerKeys.filter((k) => k !== 'type' && k !== 'units'));
  assert.deepEqual(labels(at('layers:\n  - type: affine\n    init:\n      |\n')), ['scheme', 'std', 'bias']);
  assert.deepEqual(labels(at('input:\n  |')), Object.keys(defs.input.properties));
  assert.deepEqual(labels(at('target:\n  random:\n    |')), ['shape', 'dist']);
  assert.deepEqual(labels(at('check: { h: 1e-4, | }')), ['atol', 'rtol']);
  // Renaming a key: the colon is already there.
  assert.equal(at('layers:\n  - type: affine\n    un|its: 4\n').items.find((i) => i.label === 'units')?.insertText, undefined);
});

test('a new list item under layers: a bare type or the first key of a mapping', () => {
  const item = at('layers:\n  - relu\n  - |');
  assert.deepEqual(labels(item, 'value'), defs.layerType.enum);
  // The keys of a built-in's mapping, then those only a python layer has.
  assert.deepEqual(labels(item, 'key'), [...Object.keys(defs.layer.anyOf[1].properties), 'class', 'args']);
  assert.deepEqual(labels(at('layers:\n  -|')), labels(item));
});

test('JSON: quotes added where the cursor is outside a string, closed where it is left open', () => {
  const bare = at('{ "layers": [ { "type": | } ] }', 'n.backprop.json');
  assert.equal(bare.items.find((i) => i.label === 'relu')?.insertText, '"relu"');
  const inside = at('{ "layers": [ { "type": "re|" } ] }', 'n.backprop.json');
  assert.equal(inside.items.find((i) => i.label === 'relu')?.insertText, undefined);
  assert.deepEqual(inside.range, shrink(rangeOf(inside.text, '"re"'), 1, 2));
  const key = at('{\n  "name": "x",\n  |\n}', 'n.backprop.json');
  assert.equal(key.items.find((i) => i.label === 'seed')?.insertText, '"seed": ');
  const open = at('{ "layers": [ { "type": "relu", "na|', 'n.backprop.json');
  assert.equal(open.items.find((i) => i.label === 'name')?.insertText, 'name": ');
});

test('nothing in comments or where the schema has no keys or values', () => {
  assert.deepEqual(at('# a comment |\nname: x').items, []);
  assert.deepEqual(at('seed: |').items, []);
  assert.deepEqual(at('layers:\n  - { type: affine, units: | }').items, []);
  assert.deepEqual(at('name: x\nbogus:\n  |').items, []);
});

test('key hovers: description, values and default, on the key only', () => {
  const hover = (marked: string, fileName = 'net.backprop.yaml') => {
    const offset = marked.indexOf('|');
    const text = marked.slice(0, offset) + marked.slice(offset + 1);
    return { hover: keyHoverAt(text, fileName, offset), text };
  };
  const mode = hover('seed: 1\nmo|de: eval');
  assert.deepEqual(mode.hover && { ...mode.hover, contents: mode.hover.contents.message }, {
    contents: `**mode**\n\n${defs.networkSpec.properties.mode.description}\n\nValues: \`train\`, \`eval\`\n\nDefault: \`train\``,
    range: rangeOf(mode.text, 'mode'),
  });
  const type = hover('layers:\n  - { t|ype: affine }');
  assert.equal(type.hover?.contents.message, `**type**\n\n${defs.layer.anyOf[1].properties.type.description}\n\nValues: ${defs.layerType.enum.map((v: string) => `\`${v}\``).join(', ')}`);
  assert.equal(hover('graph:\n  inputs: { ap|ple: 1 }').hover?.contents.message, `**apple**\n\n${defs.graphSpec.properties.graph.properties.inputs.additionalProperties.description}`);
  assert.equal(hover('graph:\n  no|des: []').hover?.contents.message, `**nodes**\n\n${defs.graphSpec.properties.graph.properties.nodes.description}`);
  assert.equal(hover('{ "check": { "r|tol": 0.1 } }', 'n.backprop.json').hover?.contents.message, `**rtol**\n\n${defs.networkSpec.properties.check.properties.rtol.description}\n\nDefault: \`0.001\``);
  // Not on a key, or on a key the schema does not know (nodes outside graph, a typo).
  for (const marked of ['mode: ev|al', '# mo|de', 'no|des: []', 'ly|ers: []', 'layers:\n  - rel|u']) assert.equal(hover(marked).hover, null, marked);
});

/** Seeded random edits: deletions, insertions of YAML-significant text, truncation. */
function mutate(text: string, rng: Rng): string {
  const pieces = [':', ' ', '\n', '  ', '- ', '{', '}', '[', ']', ',', '"', "'", '#', 'type: ', 'lay', 'affine', '\t', '&a ', '*a', '---\n', '? ', '|', '-1e9'];
  const pick = (n: number) => Math.floor(rng.next() * n);
  let out = text;
  for (let k = 1 + pick(3); k > 0; k--) {
    const i = pick(out.length + 1);
    const choice = pick(3);
    if (choice === 0) out = out.slice(0, i) + out.slice(Math.min(out.length, i + 1 + pick(12)));
    else if (choice === 1) out = out.slice(0, i) + pieces[pick(pieces.length)] + out.slice(i);
    else out = out.slice(0, i);
  }
  return out;
}

test('fuzz: random edits of the examples at random offsets never throw, and answer well-formed', (t) => {
  const dir = join(root, 'examples');
  const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, 'broken')).map((f) => join(dir, 'broken', f))].filter((f) => /\.backprop\.(ya?ml|json)$/.test(f));
  assert.ok(files.length >= 10);
  const rng = new Rng(2024);
  let slowest = 0;
  let proposals = 0;
  for (let round = 0; round < 400; round++) {
    const file = files[round % files.length];
    const text = round % 10 === 0 ? readFileSync(file, 'utf8') : mutate(readFileSync(file, 'utf8'), rng);
    const lines = text.split('\n').length;
    for (let k = 0; k < 6; k++) {
      const offset = Math.floor(rng.next() * (text.length + 1));
      const t0 = performance.now();
      const c = completionsAt(text, file, offset);
      const h = keyHoverAt(text, file, offset);
      slowest = Math.max(slowest, performance.now() - t0);
      proposals += c.items.length;
      for (const item of c.items) assert.ok(typeof item.label === 'string' && item.label !== '' && (item.kind === 'key' || item.kind === 'value'));
      for (const r of [c.range, h?.range]) {
        if (r) assert.ok(r.start.line <= r.end.line && r.end.line < lines, JSON.stringify(r));
      }
      if (h) assert.match(h.contents.message, /^\*\*[^*]+\*\*/);
    }
  }
  assert.ok(proposals > 0);
  t.diagnostic(`slowest completion + hover over 400 edits: ${slowest.toFixed(1)} ms (goal: 50 ms)`);
  // Odd offsets and text nested past the parser's limit.
  const deep = `layers: ${'['.repeat(500)}`;
  assert.deepEqual(completionsAt(deep, 'd.yaml', deep.length), { items: [] });
  assert.equal(keyHoverAt(deep, 'd.yaml', 2), null);
  for (const offset of [-5, 1e9, NaN, 2.5]) {
    assert.doesNotThrow(() => completionsAt('loss: mse', 'x.yaml', offset));
    assert.doesNotThrow(() => keyHoverAt('loss: mse', 'x.yaml', offset));
  }
});
