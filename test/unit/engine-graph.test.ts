import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGraph, type GraphNode } from '../../src/engine/graph';
import { Value } from './oracle';

const buyApple: GraphNode[] = [
  { name: 'apple_price', op: 'mul', in: ['apple', 'apple_num'] },
  { name: 'price', op: 'mul', in: ['apple_price', 'tax'] },
];

const buyAppleOrange: GraphNode[] = [
  { name: 'apple_price', op: 'mul', in: ['apple', 'apple_num'] },
  { name: 'orange_price', op: 'mul', in: ['orange', 'orange_num'] },
  { name: 'all_price', op: 'add', in: ['apple_price', 'orange_price'] },
  { name: 'price', op: 'mul', in: ['all_price', 'tax'] },
];

test('buy_apple gives the book figures exactly', () => {
  const r = evaluateGraph({ apple: 100, apple_num: 2, tax: 1.1 }, buyApple, 'price');
  assert.strictEqual(r.values.get('apple_price'), 200);
  assert.strictEqual(r.values.get('price'), 220.00000000000003);
  assert.strictEqual(r.grads.get('apple'), 2.2);
  assert.strictEqual(r.grads.get('apple_num'), 110.00000000000001);
  assert.strictEqual(r.grads.get('tax'), 200);
  assert.deepEqual(r.order, ['apple_price', 'price']);
});

test('buy_apple_orange gives the book figures exactly', () => {
  const inputs = { apple: 100, apple_num: 2, orange: 150, orange_num: 3, tax: 1.1 };
  const r = evaluateGraph(inputs, buyAppleOrange, 'price');
  assert.strictEqual(r.values.get('price'), 715.0000000000001);
  assert.strictEqual(r.grads.get('apple'), 2.2);
  assert.strictEqual(r.grads.get('apple_num'), 110.00000000000001);
  assert.strictEqual(r.grads.get('orange'), 3.3000000000000003);
  assert.strictEqual(r.grads.get('orange_num'), 165);
  assert.strictEqual(r.grads.get('tax'), 650);
  assert.strictEqual(r.grads.get('all_price'), 1.1);
  assert.strictEqual(r.grads.get('price'), 1);
  // Backward steps run from the output, each with its complete dout.
  assert.deepEqual(r.backward[0], {
    node: 'price',
    op: 'mul',
    dout: 1,
    sends: [
      { name: 'all_price', grad: 1.1 },
      { name: 'tax', grad: 650 },
    ],
  });
  assert.deepEqual(r.backward.map((s) => s.node), ['price', 'all_price', 'orange_price', 'apple_price']);
});

test('nodes listed in any order evaluate the same', () => {
  const inputs = { apple: 100, apple_num: 2, orange: 150, orange_num: 3, tax: 1.1 };
  const shuffled = [buyAppleOrange[3], buyAppleOrange[1], buyAppleOrange[2], buyAppleOrange[0]];
  const a = evaluateGraph(inputs, buyAppleOrange, 'price');
  const b = evaluateGraph(inputs, shuffled, 'price');
  assert.deepEqual(b.values, a.values);
  assert.deepEqual(b.grads, a.grads);
  for (const node of shuffled) for (const operand of node.in) {
    if (!(operand in inputs)) assert.ok(b.order.indexOf(operand) < b.order.indexOf(node.name));
  }
});

test('fan-out accumulates: d(x·x + x)/dx = 2x + 1', () => {
  const r = evaluateGraph(
    { x: 3 },
    [
      { name: 'sq', op: 'mul', in: ['x', 'x'] },
      { name: 'y', op: 'add', in: ['sq', 'x'] },
    ],
    'y',
  );
  assert.strictEqual(r.values.get('y'), 12);
  assert.strictEqual(r.grads.get('x'), 7);
});

test('every op agrees with the oracle', () => {
  const nodes: GraphNode[] = [
    { name: 'm', op: 'mul', in: ['a', 'b'] },
    { name: 'd', op: 'div', in: ['m', 'c'] },
    { name: 's', op: 'sub', in: ['d', 'a'] },
    { name: 'n', op: 'neg', in: ['s'] },
    { name: 'e', op: 'exp', in: ['n'] },
    { name: 'l', op: 'log', in: ['c'] },
    { name: 'p', op: 'pow', in: ['b'], exponent: 3 },
    { name: 'r', op: 'relu', in: ['l'] },
    { name: 'g', op: 'sigmoid', in: ['p'] },
    { name: 't', op: 'tanh', in: ['a'] },
    { name: 'u1', op: 'add', in: ['e', 'r'] },
    { name: 'u2', op: 'mul', in: ['g', 't'] },
    { name: 'out', op: 'add', in: ['u1', 'u2'] },
  ];
  const inputs = { a: 0.7, b: -0.4, c: 1.9 };
  const r = evaluateGraph(inputs, nodes, 'out');
  const a = new Value(0.7);
  const b = new Value(-0.4);
  const c = new Value(1.9);
  const d = a.mul(b).div(c);
  const e = d.sub(a).neg().exp();
  const out = e.add(c.log().relu()).add(b.pow(3).sigmoid().mul(a.tanh()));
  out.backward();
  assert.ok(Math.abs(r.values.get('out')! - out.data) <= 1e-15 * Math.abs(out.data));
  for (const [name, v] of [['a', a], ['b', b], ['c', c]] as const) {
    assert.ok(Math.abs(r.grads.get(name)! - v.grad) <= 1e-14 * Math.abs(v.grad), `${name}: ${r.grads.get(name)} vs ${v.grad}`);
  }
});

test('names that are Object.prototype keys are ordinary names', () => {
  // JSON.parse makes "__proto__" an own key, as a parsed spec would.
  const r = evaluateGraph(JSON.parse('{"constructor": 2, "__proto__": 3}'), [{ name: 'toString', op: 'mul', in: ['constructor', '__proto__'] }], 'toString');
  assert.strictEqual(r.values.get('toString'), 6);
  assert.strictEqual(r.grads.get('constructor'), 3);
  assert.strictEqual(r.grads.get('__proto__'), 2);
});

test('relu masks at 0 and below in the graph too', () => {
  const nodes: GraphNode[] = [{ name: 'y', op: 'relu', in: ['x'] }];
  assert.strictEqual(evaluateGraph({ x: 0 }, nodes, 'y').grads.get('x'), 0);
  assert.strictEqual(evaluateGraph({ x: -0 }, nodes, 'y').grads.get('x'), 0);
  assert.strictEqual(evaluateGraph({ x: 1e-300 }, nodes, 'y').grads.get('x'), 1);
});

test('a branch the output does not use gets gradient 0 and sends no NaN', () => {
  const r = evaluateGraph(
    { x: 0, y: 2 },
    [
      { name: 'dead', op: 'log', in: ['x'] },
      { name: 'out', op: 'mul', in: ['y', 'y'] },
    ],
    'out',
  );
  assert.strictEqual(r.values.get('dead'), -Infinity);
  assert.strictEqual(r.grads.get('x'), 0);
  assert.strictEqual(r.grads.get('dead'), 0);
  assert.strictEqual(r.grads.get('y'), 4);
});

test('bad graphs throw clear errors instead of looping', () => {
  const cycle: GraphNode[] = [
    { name: 'p', op: 'add', in: ['x', 'q'] },
    { name: 'q', op: 'neg', in: ['p'] },
  ];
  assert.throws(() => evaluateGraph({ x: 1 }, cycle, 'q'), /cycle: p → q → p/);
  const self: GraphNode[] = [{ name: 'p', op: 'neg', in: ['p'] }];
  assert.throws(() => evaluateGraph({}, self, 'p'), /cycle: p → p/);
  assert.throws(() => evaluateGraph({ x: 1 }, [{ name: 'p', op: 'neg', in: ['z'] }], 'p'), /unknown name "z"/);
  assert.throws(() => evaluateGraph({ x: 1 }, [{ name: 'p', op: 'neg', in: ['x'] }], 'zz'), /output "zz"/);
  assert.throws(() => evaluateGraph({ x: 1 }, [{ name: 'x', op: 'neg', in: ['x'] }], 'x'), /defined twice/);
  assert.throws(() => evaluateGraph({ x: 1 }, [{ name: 'p', op: 'mul', in: ['x'] }], 'p'), /takes 2 operand/);
  assert.throws(() => evaluateGraph({ x: 1 }, [{ name: 'p', op: 'pow', in: ['x'] }], 'p'), /exponent/);
  assert.throws(() => evaluateGraph({ x: 1 }, [{ name: 'p', op: 'toString' as 'neg', in: ['x'] }], 'p'), /unknown op "toString"/);
  assert.throws(() => evaluateGraph({ x: 1 }, [{ name: 'p', op: 'neg', in: ['constructor'] }], 'p'), /unknown name "constructor"/);

});

test('a chain of 20,000 nodes listed output-first evaluates without recursion: exact value and gradient', () => {
  const n = 20000;
  // n_k = -n_(k-1), listed n_20000 first: a recursive order would go 20,000 calls deep.
  const nodes: GraphNode[] = Array.from({ length: n }, (_, i) => ({ name: `n${n - i}`, op: 'neg', in: [n - i === 1 ? 'x' : `n${n - i - 1}`] }));
  const started = performance.now();
  const r = evaluateGraph({ x: 3 }, nodes, `n${n}`);
  console.log(`# ${n}-node chain evaluated in ${(performance.now() - started).toFixed(0)} ms`);
  assert.strictEqual(r.values.get(`n${n}`), 3);
  assert.strictEqual(r.values.get('n1'), -3);
  assert.strictEqual(r.grads.get('x'), 1);
  assert.strictEqual(r.order[0], 'n1');
  assert.strictEqual(r.backward.length, n);
  const cycle = nodes.map((node) => (node.in[0] === 'x' ? { ...node, in: [`n${n}`] } : node));
  assert.throws(() => evaluateGraph({ x: 3 }, cycle, `n${n}`), /graph has a cycle: n20000 → n19999 → .* → n1 → n20000$/);
});
