// Hostile sizes and text: work stays near-linear and bounded, sizes past the limits are refused
// quickly at a location, problems are capped, positions stay inside the text, and what the spec
// spelled is echoed with its control characters escaped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControls } from '../../src/format';
import { analyseSpec } from '../../src/spec/analyse';
import type { Problem } from '../../src/spec/model';
import { MAX_DEPTH, MAX_TOKENS, parseSpec } from '../../src/spec/parse';
import { MAX_PROBLEMS } from '../../src/spec/reader';
import { problem, rangeOf } from './spec-helpers';

/** Parses `text`, prints and loosely bounds the time (the target is 2 s; 10 s keeps a loaded CI machine from flaking). */
function timed(label: string, text: string, fileName = 'big.backprop.yaml'): Problem[] {
  const started = performance.now();
  const { problems } = analyseSpec(text, fileName);
  const ms = performance.now() - started;
  console.log(`# ${label}: ${(text.length / 1e6).toFixed(2)} MB in ${ms.toFixed(0)} ms, ${problems.length} problems`);
  assert.ok(ms < 10_000, `${label} took ${ms.toFixed(0)} ms`);
  return problems;
}

const TOO_LARGE = `the spec is too large to read: more than ${MAX_TOKENS.toLocaleString('en-US')} YAML tokens by here; put large data in a .npy file, e.g. input: { file: x.npy }`;
const TOO_DEEP = `the spec nests deeper than ${MAX_DEPTH} levels`;

test('nesting is bounded by the parser’s own stack: flow, block, after a stray quote or a block scalar, a million levels', () => {
  const million = 1_000_000;
  const cases: [string, string][] = [
    ['flow', `input: { data: ${'['.repeat(million)}${']'.repeat(million)} }\n`],
    ['block', `input:\n${Array.from({ length: 150 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`],
    ['compact block lists', `layers:\n  ${'- '.repeat(million)}relu\n`],
    ['after a stray quote', `name: it"s\nx: ${'['.repeat(million)}\n`],
    ['after a block scalar', `name: |\n  "\nx: ${'{a: '.repeat(200)}1${'}'.repeat(200)}\n`],
  ];
  for (const [label, text] of cases) {
    const problems = timed(`${label} nesting`, text);
    assert.deepEqual(problems.map((p) => p.message), [TOO_DEEP], label);
  }
  // At the token that opens level 101 (the top mapping, the braces, then 99 brackets): the 99th bracket.
  assert.deepEqual(parseSpec(cases[0][1], 'x.yaml').problems[0].range, rangeOf(cases[0][1], '[', 98));
  // 100 levels are read.
  const ok = `input: { data: [[1]] }\nlayers: [relu]\nx: ${'['.repeat(95)}${']'.repeat(95)}\n`;
  assert.equal(parseSpec(ok, 'x.yaml').problems.filter((p) => p.severity === 'error').length, 0);
});

test('sizes past the token limit are refused quickly at a location; inline data under it is read', () => {
  const numbers = timed('10^6 inline numbers', `input: { data: [[${Array(1e6).fill('1').join(', ')}]] }\nlayers: [relu]\n`);
  assert.deepEqual(numbers.map((p) => p.message), [TOO_LARGE]);
  assert.equal(numbers[0].range.start.line, 0);
  const graph = `graph:\n  inputs: { x: 1 }\n  nodes:\n${Array.from({ length: 100_000 }, (_, i) => `    - { name: n${i + 1}, op: neg, in: [n${i}] }`).join('\n').replace('[n0]', '[x]')}\n  output: n100000\n`;
  const refused = timed('100k-node graph', graph);
  assert.deepEqual(refused.map((p) => p.message), [TOO_LARGE]);
  assert.ok(refused[0].range.start.line > 1000);
  const data = `input: { data: [[${Array(20_000).fill('0.5').join(', ')}]] }\nlayers: [relu]\n`;
  const read = parseSpec(data, 'x.yaml');
  assert.equal(read.spec?.form, 'network');
  // A 10,000-node chain (deeper than a recursive search could go) is read and checked.
  const chain = graph.split('\n').slice(0, 3 + 10_000).join('\n') + '\n  output: n10000\n';
  timed('10k-node graph', chain);
  assert.equal(parseSpec(chain, 'x.yaml').spec?.form, 'graph');
});

test('every 10 MB spec is answered within the bound: with a result or a located error', () => {
  const ten = 10_000_000;
  const per = (width: number) => Math.floor(ten / width);
  const cases: [string, string, string?][] = [
    ['one long comment', `# ${'x'.repeat(ten)}\ninput: { data: [[1]] }\nlayers: [relu]\n`],
    ['one long name', `name: ${'x'.repeat(ten)}\ninput: { data: [[1]] }\nlayers: [relu]\n`],
    ['one long quoted string with escapes', `name: "${'\\t'.repeat(per(2))}"\ninput: { data: [[1]] }\nlayers: [relu]\n`],
    ['blank lines', `${'\n'.repeat(ten)}input: { data: [[1]] }\n`],
    ['spaces', `input: { data: [[1]] }${' '.repeat(ten)}\n`],
    ['block scalar', `name: |\n${'  line\n'.repeat(per(7))}input: { data: [[1]] }\n`],
    ['inline numbers', `input: { data: [[${Array(per(3)).fill('1').join(', ')}]] }\n`],
    ['empty lists', `input: { data: [${Array(per(4)).fill('[]').join(', ')}] }\n`],
    ['list items', `layers:\n${'  - relu\n'.repeat(per(9))}`],
    ['unknown keys', Array.from({ length: per(12) }, (_, i) => `k${i}: 1`).join('\n')],
    ['JSON numbers', JSON.stringify({ input: { data: [Array(per(2)).fill(1)] } }), 'big.backprop.json'],
    ['JSON nesting', `{"input": {"data": ${'['.repeat(per(2))}${']'.repeat(per(2))}}}`, 'big.backprop.json'],
    ['garbage', String.fromCharCode(...Array.from({ length: 100_000 }, (_, i) => 32 + ((i * 7919) % 95))).repeat(100)],
  ];
  for (const [label, text, fileName] of cases) {
    const problems = timed(label, text, fileName);
    for (const p of problems) assert.ok(p.range && p.range.start.line >= 0, label);
  }
});

test('problems are capped at 100, then one saying how many more; suggestions stay cheap', () => {
  const operands = `graph:\n  inputs: { x: 1 }\n  nodes:\n${Array.from({ length: 3000 }, (_, i) => `    - { name: n${i}, op: neg, in: [q${i}] }`).join('\n')}\n  output: n1\n`;
  const problems = timed('3,000 unknown operands', operands);
  assert.equal(problems.length, MAX_PROBLEMS + 1);
  assert.equal(problems[0].message, "unknown name 'q0' — did you mean 'n0'?");
  const last = problems[MAX_PROBLEMS];
  assert.equal(last.message, 'and 2,900 more problems not shown (2,900 of them errors), the first here');
  assert.equal(last.severity, 'error');
  assert.deepEqual(last.range, rangeOf(operands, 'q100'));
  assert.equal(parseSpec(operands, 'x.yaml').spec, null);

  const keys = `input: { data: [[1]] }\nlayers: [relu]\n${Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`).join('\n')}\n`;
  const warned = timed('20,000 unknown keys', keys);
  assert.equal(warned.length, MAX_PROBLEMS + 1);
  // Only warnings were left out, so the summary is one too, and the spec still parses.
  assert.equal(warned[MAX_PROBLEMS].message, 'and 19,900 more problems not shown (0 of them errors), the first here');
  assert.equal(warned[MAX_PROBLEMS].severity, 'warning');
  assert.equal(parseSpec(keys, 'x.yaml').spec?.form, 'network');
  // Duplicate keys are still found, in linear time.
  const dup = `${keys}k7: 2\n`;
  const dupProblem = timed('a duplicate among 20,000 keys', dup).find((p) => p.severity === 'error');
  assert.ok(dupProblem, 'the duplicate is an error');
});

test('positions stay inside the text: after YAML errors past a block scalar or a document marker inside a flow', () => {
  // The YAML parser counts no line breaks inside the tokens it skips after such errors; these used to end past their line.
  const texts = [
    'layers:\n  - { type: affine, unit---\ns: 5, init: { std: 0.01 } \\}\n  - relu\n  - |\n    block\n  - "q"\nloss: mse\n',
    'layers:\n  - { type: af\\fine, units]: 5, init: { std#: 0.01 } }\n  - relu\n  - |\n    block\n  - "q"\nloss: mse\n',
    'a: 1\r\nb: [\r\n\r\n',
    'a: "x\ry\rz',
  ];
  for (const text of texts) {
    const lines = text.split(/\r\n|\r|\n/);
    const { problems } = parseSpec(text, 'x.yaml');
    assert.ok(problems.length > 0);
    for (const p of problems) {
      for (const pos of [p.range.start, p.range.end]) {
        assert.ok(pos.line < lines.length && pos.character <= lines[pos.line].length, `${JSON.stringify(text)}: ${p.message} at ${JSON.stringify(pos)}`);
      }
    }
  }
});

test('names and keys are echoed with control characters escaped; NUL and UTF-16 text are refused', () => {
  assert.equal(escapeControls('a\nb\r\tc\u001b[31m\u0007\u0000\u2028\u202e ok ü'), 'a\\nb\\r\\tc\\u001b[31m\\u0007\\u0000\\u2028\\u202e ok ü');
  const text = 'input: { data: [[1]] }\nlayers: [relu, "re\\nlu"]\n"k\\e[2J": 1\n';
  const { problems } = parseSpec(text, 'x.yaml');
  assert.equal(problem(problems, "unknown layer type 're\\nlu' — did you mean 'relu'?").severity, 'error');
  problem(problems, "unknown key 'k\\u001b[2J' in a network spec (expected $schema, name, seed, mode, input, target, layers, network, loss, check, limits, train or compare)");
  const utf16 = `\ufffd\ufffd${[...'input: 1\n'].map((c) => `${c}\0`).join('')}`;
  assert.deepEqual(parseSpec(utf16, 'x.yaml').problems.map(({ message, range, severity }) => ({ message, range, severity })), [
    { message: 'the spec is not UTF-8 text (UTF-16?): save the spec as UTF-8', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error' },
  ]);
  const stray = 'name: a\nseed: 1\0\n';
  const nul = parseSpec(stray, 'x.yaml').problems;
  assert.deepEqual(nul.map((p) => [p.message, p.range]), [['the spec holds a NUL character: save the spec as UTF-8 text', rangeOf(stray, '\0')]]);
});
