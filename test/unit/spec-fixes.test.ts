// Init quick fixes: each edit is applied to the text by offsets computed here (not by the yaml
// library), the result re-parsed, and the layer's init read back from the parsed spec.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from '../../src/catalogues';
import { fixAll, initFix, specFix, type InitFixKind } from '../../src/spec/fixes';
import type { InitSpec, Range } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';

/** `text` with `edit` applied, positions turned into offsets line by line. */
function apply(text: string, edit: { range: Range; newText: string }): string {
  const lines = text.split('\n');
  const offset = (p: Range['start']) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(edit.range.start)) + edit.newText + text.slice(offset(edit.range.end));
}

/** Applies the fix, checks the result parses without problems, and returns the new text and the layer's init. */
function fixed(text: string, fileName: string, index: number, fix: InitFixKind): { text: string; init: InitSpec | undefined } {
  const edit = initFix(text, fileName, index, fix);
  assert.ok(edit, 'expected an edit');
  const after = apply(text, edit);
  const { spec, problems } = parseSpec(after, fileName);
  assert.deepEqual(problems, [], after);
  assert.ok(spec?.form === 'network');
  return { text: after, init: spec.layers[index].init };
}

const BLOCK = `# Two layers.
input: { data: [[1, 2]] }
layers:
  - type: affine   # the first layer
    units: 3       # width
    init:          # too wide
      std: 3
      bias: -1
  - relu
  - type: affine
    units: 2       # logits
loss: mse
target: { data: [[0, 1]] }
`;

test('block mapping: an existing block init is replaced on its key line; comments elsewhere stay', () => {
  const { text, init } = fixed(BLOCK, 'net.backprop.yaml', 0, 'he-init');
  assert.deepEqual(init, { scheme: 'he', bias: 0 });
  assert.equal(
    text,
    BLOCK.replace('    init:          # too wide\n      std: 3\n      bias: -1\n', '    init: he\n'),
  );
});

test('block mapping: a missing init is added as a new line under the keys, after the last line comment', () => {
  const { text, init } = fixed(BLOCK, 'net.backprop.yaml', 2, 'smaller-std');
  assert.deepEqual(init, { scheme: 'normal', std: 0.01, bias: 0 });
  assert.equal(text, BLOCK.replace('    units: 2       # logits\n', '    units: 2       # logits\n    init: { std: 0.01 }\n'));
});

test('flow mapping: init replaced in place, or appended after the last key', () => {
  const flow = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: affine, units: 3, init: { std: 5 } } # wide\n  - { type: dense, units: 2 }\n  - sigmoid\n';
  const first = fixed(flow, 'f.backprop.yaml', 0, 'xavier-init');
  assert.equal(first.text, flow.replace('init: { std: 5 }', 'init: xavier'));
  assert.deepEqual(first.init, { scheme: 'xavier', bias: 0 });
  const second = fixed(flow, 'f.backprop.yaml', 1, 'xavier-init');
  assert.equal(second.text, flow.replace('units: 2 }', 'units: 2, init: xavier }'));
});

test('a bias is kept, except a negative one under He init', () => {
  const text = (bias: string) => `input: { data: [[1]] }\nlayers:\n  - { type: affine, units: 1, init: { scheme: normal, std: 2, bias: ${bias} } }\n`;
  assert.deepEqual(fixed(text('-1'), 'b.yaml', 0, 'he-init').init, { scheme: 'he', bias: 0 });
  const positive = fixed(text('0.5'), 'b.yaml', 0, 'he-init');
  assert.ok(positive.text.includes('init: { scheme: he, bias: 0.5 }'));
  assert.deepEqual(positive.init, { scheme: 'he', bias: 0.5 });
  assert.deepEqual(fixed(text('-1'), 'b.yaml', 0, 'xavier-init').init, { scheme: 'xavier', bias: -1 });
  const std = fixed(text('-2e-1'), 'b.yaml', 0, 'smaller-std');
  assert.ok(std.text.includes('init: { std: 0.01, bias: -2e-1 }'));
  assert.deepEqual(std.init, { scheme: 'normal', std: 0.01, bias: -0.2 });
});

test('scalar and empty inits are replaced', () => {
  const base = 'input: { data: [[1]] }\nlayers:\n  - type: affine\n    units: 1\n    init: 0.5\n';
  assert.equal(fixed(base, 's.yaml', 0, 'he-init').text, base.replace('init: 0.5', 'init: he'));
  const empty = base.replace('init: 0.5', 'init:');
  assert.equal(fixed(empty, 's.yaml', 0, 'smaller-std').text, base.replace('init: 0.5', 'init: { std: 0.01 }'));
});

test('JSON: quoted keys and values; a pretty-printed object gets the key on its own line', () => {
  const json = `{
  "input": { "data": [[1, 2]] },
  "layers": [
    { "type": "affine", "units": 3, "init": { "std": 3, "bias": 0.25 } },
    "relu",
    {
      "type": "affine",
      "units": 2
    }
  ]
}
`;
  const first = fixed(json, 'n.backprop.json', 0, 'he-init');
  assert.equal(first.text, json.replace('"init": { "std": 3, "bias": 0.25 }', '"init": { "scheme": "he", "bias": 0.25 }'));
  assert.deepEqual(first.init, { scheme: 'he', bias: 0.25 });
  const last = fixed(json, 'n.backprop.json', 2, 'xavier-init');
  assert.equal(last.text, json.replace('"units": 2\n', '"units": 2,\n      "init": "xavier"\n'));
  assert.deepEqual(last.init, { scheme: 'xavier', bias: 0 });
});

test('CRLF line ends are kept for an added line', () => {
  const text = 'input: { data: [[1]] }\r\nlayers:\r\n  - type: affine\r\n    units: 1\r\n';
  const edit = initFix(text, 'c.yaml', 0, 'he-init');
  assert.ok(edit);
  assert.equal(apply(text, edit), 'input: { data: [[1]] }\r\nlayers:\r\n  - type: affine\r\n    units: 1\r\n    init: he\r\n');
});

test('null for an index out of range, a non-affine layer, explicit W, or text that does not parse', () => {
  const text = 'input: { data: [[1]] }\nlayers:\n  - { type: affine, units: 1 }\n  - relu\n  - { type: affine, units: 1, weights: { W: [[2]] } }\n';
  for (const index of [-1, 3, 1.5, NaN]) assert.equal(initFix(text, 'x.yaml', index, 'he-init'), null, `index ${index}`);
  assert.equal(initFix(text, 'x.yaml', 1, 'he-init'), null);
  assert.equal(initFix(text, 'x.yaml', 2, 'he-init'), null);
  assert.ok(initFix(text, 'x.yaml', 0, 'he-init'));
  assert.equal(initFix(text.replace('relu', '[relu'), 'x.yaml', 0, 'he-init'), null);
  assert.equal(initFix('layers: relu', 'x.yaml', 0, 'he-init'), null);
  assert.equal(initFix('', 'x.yaml', 0, 'he-init'), null);
});

test('null when the layer has that init already: no edit that changes nothing', () => {
  const spec = (init: string) => `input: { data: [[1]] }\nlayers:\n  - { type: affine, units: 1, init: ${init} }\n`;
  assert.equal(initFix(spec('he'), 'x.yaml', 0, 'he-init'), null);
  assert.equal(initFix(spec('xavier'), 'x.yaml', 0, 'xavier-init'), null);
  assert.equal(initFix(spec('{ std: 0.01 }'), 'x.yaml', 0, 'smaller-std'), null);
  assert.equal(initFix(spec('{ scheme: he, bias: 0.5 }'), 'x.yaml', 0, 'he-init'), null);
  assert.equal(initFix('{ "input": { "data": [[1]] }, "layers": [{ "type": "affine", "units": 1, "init": "he" }] }', 'x.backprop.json', 0, 'he-init'), null);
  // A different init is still changed.
  assert.ok(initFix(spec('{ std: 3 }'), 'x.yaml', 0, 'smaller-std'));
  assert.ok(initFix(spec('he'), 'x.yaml', 0, 'xavier-init'));
});

test('a fix\'s title says what its edit changes, a bias removed or kept included', () => {
  const spec = (init: string) => `input: { data: [[1]] }\nlayers:\n  - { type: affine, units: 1, init: ${init} }\n  - relu\n`;
  const names = ['Affine1', 'Relu1'];
  const title = (init: string, kind: InitFixKind) => specFix(spec(init), 'x.yaml', names, { kind, layer: 0 })?.title;
  assert.equal(title('{ std: 0.01, bias: -1 }', 'he-init'), 'Use He init (suits ReLU stacks) in Affine1 and remove its bias -1');
  assert.equal(title('{ std: 3, bias: 0.5 }', 'he-init'), 'Use He init (suits ReLU stacks) in Affine1, keeping its bias 0.5');
  assert.equal(title('{ std: 3, bias: -1 }', 'xavier-init'), 'Use Xavier init (suits sigmoid/tanh) in Affine1, keeping its bias -1');
  assert.equal(title('{ std: 3 }', 'smaller-std'), 'Use a smaller init std (0.01) in Affine1');
  assert.equal(title('he', 'he-init'), undefined);
  const fix = specFix(spec('{ std: 0.01, bias: -1 }'), 'x.yaml', names, { kind: 'he-init', layer: 0 });
  assert.deepEqual(fix?.edits.map((e) => apply(spec('{ std: 0.01, bias: -1 }'), e)), [spec('he')]);
  // The same title as a message: English as above, and Korean with the layer first.
  assert.equal(fix && render(fix.label, 'en'), fix?.title);
  assert.equal(fix && render(fix.label, 'ko'), 'Affine1에 He 초깃값 사용(ReLU를 쌓은 신경망에 알맞음), 편향 -1 제거');
});

test('Fix all: each layer\'s fix once (the first proposed wins), edits that do not overlap; null when nothing would change', () => {
  const text = 'input: { data: [[1]] }\nlayers:\n  - { type: affine, units: 2, init: { std: 3 } }\n  - relu\n  - { type: affine, units: 2, init: { std: 3 } }\n  - relu\n  - { type: affine, units: 2, init: he }\n';
  const names = ['Affine1', 'Relu1', 'Affine2', 'Relu2', 'Affine3'];
  const all = fixAll(text, 'x.yaml', names, [
    { fix: { kind: 'he-init', layer: 2 }, alsoFix: [{ kind: 'he-init', layer: 0 }, { kind: 'he-init', layer: 4 }] },
    { fix: { kind: 'smaller-std', layer: 0 } },
    {},
  ]);
  assert.deepEqual(all?.changes, ['Use He init (suits ReLU stacks) in Affine2', 'Use He init (suits ReLU stacks) in Affine1']);
  // Applied from the end, so earlier positions stay valid.
  const after = [...(all?.edits ?? [])].sort((a, b) => b.range.start.line - a.range.start.line).reduce(apply, text);
  assert.equal(after, text.replaceAll('init: { std: 3 }', 'init: he'));
  assert.equal(fixAll(after, 'x.yaml', names, [{ fix: { kind: 'he-init', layer: 0 } }]), null);
});

test('a convolution takes the init fixes as an affine does; a pooling layer has no init to fix', () => {
  const text = 'input: { random: { shape: [2, 1, 6, 6] } }\nlayers:\n  - { type: conv, filters: 2, size: 3, init: { std: 0.01, bias: -1 } }\n  - relu\n  - { type: pooling, size: 2 }\n';
  assert.deepEqual(fixed(text, 'c.yaml', 0, 'he-init').init, { scheme: 'he', bias: 0 });
  assert.deepEqual(fixed(text, 'c.yaml', 0, 'xavier-init').init, { scheme: 'xavier', bias: -1 });
  assert.equal(initFix(text, 'c.yaml', 2, 'he-init'), null);
});
