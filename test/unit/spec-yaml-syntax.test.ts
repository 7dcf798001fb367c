// YAML mistakes: exactly one diagnostic per mistake, on the line to change, in plain words that say what to do.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Problem, Range } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';
import { rangeOf } from './spec-helpers';

/** The parser's own words, which a spec's author should never have to decode. */
const JARGON = /implicit|block sequence|compact mapping|flow (sequence|map)|YAML stream|cannot be read|must be unique/i;

function errorsOf(text: string): Problem[] {
  const { spec, problems } = parseSpec(text, 'net.backprop.yaml');
  assert.equal(spec, null);
  return problems.filter((p) => p.severity === 'error');
}

/** Asserts the text has exactly one problem, this one. */
function onlyMistake(text: string, message: string, range: Range): void {
  const problems = parseSpec(text, 'net.backprop.yaml').problems;
  assert.deepEqual(
    problems.map((p) => ({ message: p.message, range: p.range, severity: p.severity })),
    [{ message, range, severity: 'error' }],
  );
  assert.ok(problems[0].id.startsWith('spec.'), problems[0].id);
  assert.doesNotMatch(message, JARGON);
}

const TARGET = 'target:\n  data: [[1, 2]]\n';

test('a list item indented one space too few: one error on that item (the parser gave five)', () => {
  const text = `input:\n  data: [[1, 2]]\nlayers:\n  - type: affine\n    units: 3\n - relu\n  - { type: affine, units: 2 }\nloss: mse\n${TARGET}`;
  onlyMistake(text, 'this list item is indented 1 space, the items above it 2: indent it by 2 spaces like them', rangeOf(text, '- relu'));
});

test('a key of a layer indented too deep reads as the value above: the error is on that key', () => {
  const text = `input:\n  data: [[1, 2]]\nlayers:\n  - type: affine\n     units: 3\n  - relu\nloss: mse\n${TARGET}`;
  onlyMistake(text, "'units:' is indented 5 spaces, deeper than type: above it (4), so it reads as part of type's value: indent it by 4 spaces like type:", rangeOf(text, 'units: 3'));
});

test('a key between two columns names both columns it could mean', () => {
  const text = 'input:\n  data: [[1, 2]]\n layers:\n  - relu\n';
  onlyMistake(text, "'layers:' is indented 1 space, unlike the keys around it: indent it by 0 spaces like input: or by 2 spaces like data:", rangeOf(text, 'layers'));
});

test("a mapping's first key indented unlike the rest: the first key is named, once", () => {
  const text = `input:\n  data: [[1, 2]]\nlayers: [relu]\nloss: mse\n${TARGET}train:\n   iterations: 10\n  batch: 1\n  optimizer: { type: sgd, lr: 0.1 }\n`;
  onlyMistake(text, "'iterations:' is indented 3 spaces, the keys after it (batch:) 2: indent iterations: by 2 spaces, as the keys of one mapping line up", rangeOf(text, 'iterations'));
  const top = ' name: x\ninput:\n  data: [[1, 2]]\nlayers: [relu]\n';
  onlyMistake(top, "'name:' is indented 1 space, the keys after it (input:) 0: indent name: by 0 spaces, as the keys of one mapping line up", rangeOf(top, 'name'));
});

test("a list's first item indented unlike the rest: the first item is named, once", () => {
  const text = 'input:\n  data: [[1, 2]]\nlayers:\n   - { type: affine, units: 2 }\n  - relu\n  - tanh\n';
  onlyMistake(text, "this list's first item is indented 3 spaces, the items after it 2: indent it by 2 spaces like them", rangeOf(text, '- { type: affine, units: 2 }'));
});

test('a list item indented under another reads as one word: the error is on the deeper line', () => {
  const text = `input:\n  data: [[1, 2]]\nlayers:\n  - relu\n    - tanh\nloss: mse\n${TARGET}`;
  onlyMistake(text, "this line is indented deeper than the line above, so it reads as part of that line's value ('relu - tanh'): indent it like the line above", rangeOf(text, '- tanh'));
  const flow = 'input:\n  data: [[1, 2]]\nlayers:\n  - relu\n   - { type: affine, units: 2 }\n';
  onlyMistake(flow, "this line is indented deeper than the line above, so it reads as part of that line's value ('relu - { type: affine, units: 2 }'): indent it like the line above", rangeOf(flow, '- { type: affine, units: 2 }'));
});

test('a tab in the indentation', () => {
  const text = 'input:\n\tdata: [[1, 2]]\nlayers:\n  - relu\n';
  onlyMistake(text, 'this line is indented with a tab, and YAML allows only spaces: replace the tab with spaces', rangeOf(text, '\t'));
  const item = 'graph:\n  inputs: { a: 1 }\n  nodes:\n\t  - { name: b, op: mul, in: [a, a] }\n    - { name: c, op: mul, in: [b, a] }\n  output: c\n';
  onlyMistake(item, 'this line is indented with a tab, and YAML allows only spaces: replace the tab with spaces', rangeOf(item, '\t  '));
});

test('a missing colon, after a key with or without a value on its line', () => {
  const block = 'input:\n  data: [[1, 2]]\nlayers\n  - relu\n';
  onlyMistake(block, "missing ':' after 'layers': write layers:", rangeOf(block, 'layers'));
  const inLayer = 'input:\n  data: [[1, 2]]\nlayers:\n  - type affine\n    units: 3\n';
  onlyMistake(inLayer, "missing ':' after 'type': write type: affine", rangeOf(inLayer, 'type affine'));
  const last = 'input:\n  data: [[1, 2]]\nlayers: [relu]\nloss mse\n';
  onlyMistake(last, "missing ':' after 'loss': write loss: mse", rangeOf(last, 'loss mse'));
});

test('an unclosed bracket, brace or quote: the error is where it opens, not where the parser gave up', () => {
  const bracket = 'input:\n  data: [[1, 2]\nlayers:\n  - relu\n';
  const message = (c: string, what: string, close: string) => `this '${c}' is never closed: end the ${what} with '${close}' on this line, or indent the lines that continue it more than this one`;
  onlyMistake(bracket, message('[', 'list', ']'), rangeOf(bracket, '[[1, 2]'));
  const continued = 'input:\n  data: [[1, 2],\n  [3, 4]]\nlayers:\n  - relu\n';
  onlyMistake(continued, message('[', 'list', ']'), rangeOf(continued, '[[1, 2],'));
  const brace = 'input: { data: [[1, 2]]\nlayers:\n  - relu\n';
  onlyMistake(brace, message('{', 'mapping', '}'), rangeOf(brace, '{ data: [[1, 2]]'));
  for (const q of ['"', "'"]) {
    const text = `name: ${q}two\ninput:\n  data: [[1, 2]]\nlayers:\n  - relu\n`;
    onlyMistake(text, `this ${q} starts a string that is never closed: end it with ${q} on this line`, rangeOf(text, `${q}two`));
  }
  const escaped = 'name: "a\\"\ninput: { data: [[1]] }\n';
  onlyMistake(escaped, 'this " starts a string that is never closed: end it with " on this line', rangeOf(escaped, '"a\\"'));
  const stray = 'input: { data: [[1]] }\nlayers: [relu]]\n';
  onlyMistake(stray, "this ']' closes no list: remove it, or open the list with '['", rangeOf(stray, ']', 3));
});

test('a duplicate key names where it first was', () => {
  const text = 'input:\n  data: [[1, 2]]\nlayers:\n  - relu\nlayers:\n  - tanh\n';
  onlyMistake(text, "'layers' is given twice in this mapping (first on line 3): keep one of them", rangeOf(text, 'layers', 1));
});

test('a list item among the keys of a mapping', () => {
  const inside = 'input:\n  data: [[1, 2]]\n  - relu\nlayers: [relu]\n';
  onlyMistake(inside, "this list item sits among the keys of a mapping (beside data:): put the list under a key of its own ending in ':', indented below it, or remove the '-'", rangeOf(inside, '- relu'));
  const top = 'input:\n  data: [[1, 2]]\nlayers:\n  - relu\nloss: mse\n- tanh\n';
  onlyMistake(top, "this list item sits among the keys of a mapping (beside loss:): put the list under a key of its own ending in ':', indented below it, or remove the '-'", rangeOf(top, '- tanh'));
});

test('a second colon in a value, and a second document', () => {
  const text = 'seed: 1\nname: a: b\n';
  onlyMistake(text, 'the value of name holds \': \', which YAML reads as a second key: quote the value (name: "a: b"), or put the mapping on lines of its own under name:', rangeOf(text, 'a: b'));
  const docs = 'input: { data: [[1]] }\nlayers: [relu]\n---\nseed: 1\n';
  onlyMistake(docs, "a second YAML document starts here, and a spec is one document: remove this '---' and what follows it, or put it in a file of its own", rangeOf(docs, '---'));
});

test('two mistakes far apart are two errors, each on its line', () => {
  const text = 'input:\n\tdata: [[1, 2]]\nlayers:\n  - relu\nloss: mse\nseed 3\n';
  const errors = errorsOf(text);
  assert.deepEqual(
    errors.map((p) => [p.range.start.line, p.message]),
    [
      [1, 'this line is indented with a tab, and YAML allows only spaces: replace the tab with spaces'],
      [5, "missing ':' after 'seed': write seed: 3"],
    ],
  );
});

test('every one-space slip, tab or missing colon on any line of the examples: at most one error, on that line, in plain words', () => {
  const root = 'examples';
  const files = ['', 'broken', 'custom'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(root, d, f)));
  let slips = 0;
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const slipped = [
        line.startsWith(' ') ? line.slice(1) : undefined,
        /^\s*[^\s#]/.test(line) ? ` ${line}` : undefined,
        line.startsWith('  ') ? `\t${line.slice(2)}` : undefined,
        /^\s*(- )?[\w$-]+: /.test(line) && !line.includes('{') ? line.replace(': ', ' ') : undefined,
      ];
      for (const s of slipped) {
        if (s === undefined) continue;
        slips++;
        const text = [...lines.slice(0, i), s, ...lines.slice(i + 1)].join('\n');
        const errors = parseSpec(text, file).problems.filter((p) => p.severity === 'error');
        const where = `${file}:${i + 1} as ${JSON.stringify(s)}`;
        assert.ok(errors.length <= 1, `${where}: ${errors.map((p) => `${p.range.start.line + 1}: ${p.message}`).join(' | ')}`);
        for (const p of errors) {
          assert.equal(p.range.start.line, i, `${where}: ${p.message}`);
          assert.doesNotMatch(p.message, JARGON, where);
        }
      }
    });
  }
  assert.ok(slips > 300, `${slips} slips tried`);
});
