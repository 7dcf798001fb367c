// Fuzz: thousands of seeded random edits to valid specs. Parsing, shape inference and loading must
// never throw, never fall back to their last-resort catch, and always return well-formed problems.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/engine/rng';
import { analyseSpec } from '../../src/spec/analyse';
import { loadSpec, memoryFile } from '../../src/spec/index';
import type { Problem } from '../../src/spec/model';
import { parseSpec } from '../../src/spec/parse';
import { inferShapes, sourceShape } from '../../src/spec/shapes';
import { npyF8 } from './spec-helpers';

const BASES: [string, string][] = [
  [
    'net.backprop.yaml',
    `name: two-layer-net
seed: 42
mode: train
check: { h: 1e-4, atol: 1e-5, rtol: 1e-3 }
limits: { maxElements: 100000 }
input:
  data: [[0.1, 0.2], [0.3, 0.4]]
target:
  labels: [1, 0]
layers:
  - { type: affine, units: 5, init: { std: 0.01 } }
  - relu
  - { type: leaky-relu, alpha: 0.1 }
  - { type: dropout, ratio: 0.5 }
  - batchnorm
  - { type: affine, units: 2, name: Logits, weights: { b: [0.5, -0.5] } }
loss: softmax-with-loss
`,
  ],
  [
    'files.backprop.yaml',
    `seed: 3
input: { file: x.npy }
target: { random: { dist: uniform } }
layers:
  - { type: affine, weights: { W: { file: w.npy } }, init: he }
  - tanh
  - { type: affine, units: 2, init: { scheme: xavier, bias: 1 } }
  - sigmoid
loss: mse
`,
  ],
  [
    'mnist.backprop.yaml',
    `input:
  dataset: mnist
  split: test
  count: 3
  offset: 7
target:
  dataset: mnist
layers:
  - { type: affine, units: 10, init: zeros }
loss: softmax-with-loss
`,
  ],
  [
    'shop.backprop.yaml',
    `name: buy-apple-orange
graph:
  inputs: { apple: 100, apple_num: 2, orange: 150, orange_num: 3, tax: 1.1 }
  nodes:
    - { name: apple_price,  op: mul, in: [apple, apple_num] }
    - { name: orange_price, op: mul, in: [orange, orange_num] }
    - { name: all_price,    op: add, in: [apple_price, orange_price] }
    - { name: price,        op: mul, in: [all_price, tax] }
    - { name: sq,           op: pow, in: [price], exponent: 2 }
  output: price
`,
  ],
  [
    'net.backprop.json',
    JSON.stringify(
      {
        seed: 1,
        input: { random: { shape: [3, 4], dist: 'normal' } },
        target: { data: [[1, 0], [0, 1], [1, 0]] },
        layers: [{ type: 'affine', units: 2, weights: { W: [[1, 2], [3, 4], [5, 6], [7, 8]] } }, 'relu'],
        loss: 'mse',
      },
      null,
      2,
    ),
  ],
  ['shop.backprop.json', JSON.stringify({ graph: { inputs: { x: 2, y: 3 }, nodes: [{ name: 'z', op: 'mul', in: ['x', 'y'] }, { name: 'e', op: 'exp', in: ['z'] }], output: 'e' } })],
];

const TOKENS = [':', ': ', '-', '- ', ' ', '\n', '  ', '[', ']', '{', '}', ',', '"', "'", '#', '&a ', '*a', '!!', '!x ', '|', '>', '? ', '%', '@', '`', '\t', '\r\n', '0', '9', '.', 'e', '-1', '0.5', '1e400', '.nan', '.inf', '1e9', '99999999', 'x', '\\', 'ü', '😀', 'null', 'true', '~', '<<: ', '---\n', '...'];

/** One random edit: characters or lines deleted, inserted, duplicated, swapped, or the text cut short. */
function mutate(text: string, rng: Rng): string {
  const pick = (n: number) => Math.floor(rng.next() * n);
  const at = pick(text.length + 1);
  const lines = text.split('\n');
  const line = pick(lines.length);
  switch (pick(8)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + pick(3));
    case 1:
      return text.slice(0, at) + TOKENS[pick(TOKENS.length)] + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at, at + 1 + pick(8)) + text.slice(at);
    case 3:
      lines.splice(line, 1);
      return lines.join('\n');
    case 4:
      lines.splice(line, 0, lines[line]);
      return lines.join('\n');
    case 5: {
      const other = pick(lines.length);
      [lines[line], lines[other]] = [lines[other], lines[line]];
      return lines.join('\n');
    }
    case 6:
      return text.replace(/-?\d+(\.\d+)?(e-?\d+)?/g, (m) => (rng.next() < 0.15 ? ['0', '-3', '2.5', '1e300', '7', '100001', '8000'][pick(7)] : m));
    default:
      return text.slice(0, at);
  }
}

/** Every problem is well-formed and inside the text; none comes from a last-resort catch. */
function checkProblems(problems: readonly Problem[], text: string, context: string): void {
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const p of problems) {
    assert.ok(typeof p.message === 'string' && p.message.length > 0, context);
    assert.ok(p.severity === 'error' || p.severity === 'warning', context);
    assert.ok(!p.message.startsWith('the spec could not be'), `${context}\n${p.message}`);
    const { start, end } = p.range;
    for (const pos of [start, end]) assert.ok(Number.isInteger(pos.line) && pos.line >= 0 && pos.line < lines + 1 && Number.isInteger(pos.character) && pos.character >= 0, `${context}\nbad range ${JSON.stringify(p.range)}`);
    assert.ok(start.line < end.line || (start.line === end.line && start.character <= end.character), `${context}\nreversed range`);
  }
}

const files: Record<string, Uint8Array> = { 'x.npy': npyF8([2, 3], [1, 2, 3, 4, 5, 6]), 'w.npy': npyF8([3, 2], [1, 0, 0, 1, 1, 1]) };
const mnistBytes = readFileSync(join(__dirname, '..', '..', '..', 'dist', 'mnist-digits.bin'));
const io = {
  openFile: (path: string) => {
    if (path in files) return memoryFile(files[path]);
    throw new Error('ENOENT');
  },
  mnist: () => mnistBytes,
};

test('thousands of random edits never make parsing, shape inference or loading throw', () => {
  const rng = new Rng(20240601);
  let parsedOk = 0;
  let loaded = 0;
  for (const [fileName, base] of BASES) {
    for (let iteration = 0; iteration < 350; iteration++) {
      let text = base;
      const edits = 1 + Math.floor(rng.next() * 4);
      for (let e = 0; e < edits; e++) text = mutate(text, rng);
      // Now and then read YAML text under a JSON name and the reverse.
      const name = rng.next() < 0.05 ? fileName.replace(/json$|yaml$/, (ext) => (ext === 'json' ? 'yaml' : 'json')) : fileName;
      const context = `${name} after ${edits} edits:\n${text}`;

      const { spec, problems } = parseSpec(text, name);
      assert.ok(Array.isArray(problems), context);
      checkProblems(problems, text, context);
      assert.equal(spec === null, problems.some((p) => p.severity === 'error'), context);
      if (!spec) continue;
      parsedOk++;
      if (spec.form !== 'network') continue;

      const inputShape = sourceShape(spec.input, 'input') ?? [2, 3];
      const shapes = inferShapes(spec, inputShape);
      checkProblems(shapes.problems, text, context);
      // Load only what is small, so the fuzz stays fast; validity does not depend on size.
      const size = shapes.layers.reduce((sum, l) => sum + l.paramCount + l.outShape.reduce((a, b) => a * b, 1), 0);
      if (size > 1e5) continue;
      const result = loadSpec(text, name, io);
      checkProblems(result.problems, text, context);
      if (result.network) {
        loaded++;
        assert.ok(result.x, context);
      }
    }
  }
  // The edits must leave enough specs valid to exercise shapes and loading too.
  assert.ok(parsedOk > 150, `only ${parsedOk} mutated specs parsed`);
  assert.ok(loaded > 80, `only ${loaded} mutated specs loaded`);
});

test('pathological inputs: deep nesting, long chains and cycles, garbage, long names', () => {
  const chain = Array.from({ length: 12000 }, (_, i) => `    - { name: n${i + 1}, op: neg, in: [n${i}] }`).join('\n');
  const cases: [string, string][] = [
    ['deep.yaml', `input: { data: ${'['.repeat(50000)}${']'.repeat(50000)} }\nlayers: [relu]\n`],
    ['deep.json', `{"input": {"data": ${'['.repeat(50000)}1${']'.repeat(50000)}}, "layers": ["relu"]}`],
    ['deep-data.yaml', `input: { data: ${'['.repeat(12)}1${']'.repeat(12)} }\nlayers: [relu]\n`],
    ['garbage.yaml', String.fromCharCode(...Array.from({ length: 4000 }, (_, i) => (i * 7919) % 65536))],
    ['bom.json', '\ufeff{"input": {"data": [[1]]}, "layers": ["relu"]}'],
    ['long.yaml', `${'k'.repeat(100000)}: 1\ninput: { data: [[1]] }\nlayers: [${'r'.repeat(100000)}]\n`],
    ['many.yaml', `input: { data: [[1]] }\nlayers: [${Array(10000).fill('relu').join(', ')}]\n`],
    ['loop.yaml', `graph:\n  inputs: { x: 1 }\n  nodes:\n${chain.replace('in: [n0]', 'in: [n12000]')}\n  output: n12000\n`],
  ];
  for (const [name, text] of cases) {
    const { spec, problems } = parseSpec(text, name);
    checkProblems(problems, text, name);
    assert.equal(spec === null, problems.some((p) => p.severity === 'error'), name);
  }
  // Refused before the YAML composer recurses (deep recursion can kill V8 rather than throw).
  for (const k of [0, 1]) assert.deepEqual(parseSpec(cases[k][1], cases[k][0]).problems.map((p) => p.message), ['the spec nests deeper than 100 levels']);
  assert.deepEqual(parseSpec(cases[2][1], 'deep-data.yaml').problems.map((p) => p.message), ['input data nests deeper than 8 levels']);
  const loop = parseSpec(cases[7][1], 'loop.yaml').problems;
  assert.equal(loop.length, 1);
  // 12,000 nodes: deeper than a recursive search could go.
  assert.equal(loop[0].message, 'cycle in graph: n1 → n2 → n3 → n4 → n5 → … → n11999 → n12000 → n1 (12000 nodes)');
  assert.equal(parseSpec(cases[4][1], 'bom.json').spec?.form, 'network');
  assert.equal(parseSpec(cases[6][1], 'many.yaml').spec?.form, 'network');
  assert.equal(parseSpec(cases[7][1].replace('in: [n12000]', 'in: [x]'), 'chain.yaml').spec?.form, 'graph');
});

/** Hostile specs to start from: deep nesting of each kind, many names, control characters, prototype keys, odd line breaks. */
function hostile(rng: Rng): [string, string] {
  const pick = (n: number) => Math.floor(rng.next() * n);
  const n = 1 + pick(rng.next() < 0.7 ? 40 : 3000);
  const names = ['__proto__', 'constructor', 'toString', 'a\nb', '\u001b[31mred', 'x\u0000', 'ü😀', 'k'.repeat(1 + pick(200))];
  const name = () => names[pick(names.length)];
  switch (pick(10)) {
    case 0:
      return ['deep.yaml', `input: { data: ${'['.repeat(n)}1${']'.repeat(pick(2) ? n : pick(n))} }\n`];
    case 1:
      return ['deep.yaml', `layers:\n${Array.from({ length: Math.min(n, 300) }, (_, i) => `${' '.repeat(i + 2)}- ${pick(2) ? 'k:' : ''}`).join('\n')} relu\n`];
    case 2:
      return ['quote.yaml', `name: ${pick(2) ? 'a"b' : '|\n  "'}\nx: ${'{a: '.repeat(n % 400)}1${'}'.repeat(n % 400)}\n`];
    case 3:
      return ['graph.yaml', `graph:\n  inputs: { x: 1, ${JSON.stringify(name())}: 2 }\n  nodes:\n${Array.from({ length: n }, (_, i) => `    - { name: n${n - i}, op: ${['neg', 'log', 'exp', 'tanh'][pick(4)]}, in: [${n - i === 1 ? 'x' : pick(50) ? `n${n - i - 1}` : `q${i}`}] }`).join('\n')}\n  output: n${n}\n`];
    case 4:
      return ['proto.yaml', `graph:\n  inputs: { x: ${pick(3) - 1} }\n  nodes:\n    - { name: ${JSON.stringify(name())}, op: log, in: [x] }\n    - { name: y, op: neg, in: [${JSON.stringify(name())}] }\n  output: y\n`];
    case 5:
      return ['keys.yaml', `input: { data: [[1]] }\nlayers: [relu]\n${Array.from({ length: n }, (_, i) => `${JSON.stringify(pick(5) ? `k${i}` : name())}: ${i}`).join('\n')}\n`];
    case 6:
      return ['numbers.json', JSON.stringify({ input: { data: [Array.from({ length: n * 10 }, () => rng.next())] }, layers: ['relu'] })];
    case 7:
      return ['breaks.yaml', ['input:', '  data: [[1, 2]]', 'layers:', '  - relu', `  - ${JSON.stringify(name())}`].join(['\n', '\r\n', '\r'][pick(3)])];
    case 8:
      return ['soup.yaml', Array.from({ length: n }, () => TOKENS[pick(TOKENS.length)]).join('')];
    default:
      return ['names.yaml', `name: ${JSON.stringify(name())}\ninput: { data: [[1, 2]] }\nlayers:\n  - { type: affine, units: 2, name: ${JSON.stringify(name())} }\n  - { type: ${JSON.stringify(name())} }\nloss: mse\n`];
  }
}

/** Every problem has a range inside the text: line < lines, character ≤ that line's length, start before end. */
function checkInside(problems: readonly Problem[], text: string, context: () => string): void {
  const lines = text.split(/\r\n|\r|\n/);
  for (const p of problems) {
    assert.ok(p.range && typeof p.message === 'string' && p.message.length > 0, context());
    // eslint-disable-next-line no-control-regex -- no raw control character may reach a message
    assert.doesNotMatch(p.message, /[\u0000-\u001f\u007f]/, context());
    for (const pos of [p.range.start, p.range.end]) {
      assert.ok(Number.isInteger(pos.line) && pos.line >= 0 && pos.line < lines.length && Number.isInteger(pos.character) && pos.character >= 0 && pos.character <= lines[pos.line].length, `${context()}\n${p.message}: bad range ${JSON.stringify(p.range)}`);
    }
    assert.ok(p.range.start.line < p.range.end.line || (p.range.start.line === p.range.end.line && p.range.start.character <= p.range.end.character), `${context()}\nreversed range`);
  }
}

test('fuzz for a bounded time: generated and mutated specs never throw, hang, go unlocated, leave the text or blow the heap', () => {
  const seconds = Number(process.env.BACKPROP_FUZZ_SECONDS ?? 60);
  const seed = Number(process.env.BACKPROP_FUZZ_SEED ?? 20260113);
  const rng = new Rng(seed);
  const perSpecMs = 5000;
  const heapMb = 300;
  const until = performance.now() + seconds * 1000;
  let count = 0;
  let slowest = 0;
  while (performance.now() < until) {
    const [fileName, base] = rng.next() < 0.5 ? BASES[Math.floor(rng.next() * BASES.length)] : hostile(rng);
    let text = base;
    const edits = Math.floor(rng.next() * 4);
    for (let e = 0; e < edits; e++) text = mutate(text, rng);
    const context = () => `seed ${seed}, spec ${count} (${fileName}, ${edits} edits):\n${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    let problems: Problem[];
    try {
      const analysed = analyseSpec(text, fileName);
      problems = analysed.problems;
      const size = (analysed.shapes ?? []).reduce((sum, l) => sum + l.paramCount + l.outShape.reduce((a, b) => a * b, 1), 0);
      if (analysed.spec?.form === 'network' && size <= 1e5) problems = loadSpec(text, fileName, io).problems;
    } catch (e) {
      assert.fail(`${context()}\nthrew ${e instanceof Error ? e.stack : String(e)}`);
    }
    const ms = performance.now() - started;
    slowest = Math.max(slowest, ms);
    assert.ok(ms < perSpecMs, `${context()}\ntook ${ms.toFixed(0)} ms`);
    checkInside(problems, text, context);
    const grown = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    assert.ok(grown < heapMb, `${context()}\nheap grew ${grown.toFixed(0)} MB`);
    count++;
  }
  console.log(`# fuzz: seed ${seed}, ${count} specs in ${seconds} s, slowest ${slowest.toFixed(0)} ms (set BACKPROP_FUZZ_SEED and BACKPROP_FUZZ_SECONDS to change)`);
  assert.ok(count > 0);
});
