import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression, MAX_DEPTH, MAX_EXPRESSION_LENGTH, type Evaluated, type Value } from '../../src/debug/expression';
import { fromNested, toNested } from '../../src/engine/tensor';

const tensorValue = (nested: unknown): Value => ({ kind: 'tensor', tensor: fromNested(nested) });
const scope = new Map<string, Value>([
  ['W', tensorValue([[1, -2, 3], [4, 5, -6]])],
  ['dout', tensorValue([[0.5, -1.5, 2], [0, 3, -4]])],
  ['b', tensorValue([1, 2, 3])],
  ['loss', { kind: 'number', value: 2.5 }],
  ['bad', tensorValue([1, NaN, 3])],
]);

function value(source: string): unknown {
  const r = evaluateExpression(source, scope);
  if (!r.ok) assert.fail(`${source}: ${r.message} (column ${r.column})`);
  switch (r.value.kind) {
    case 'tensor':
      return { shape: r.value.tensor.shape, values: toNested(r.value.tensor) };
    case 'shape':
      return { dims: r.value.dims };
    default:
      return r.value.value;
  }
}

function failure(source: string): { message: string; column: number } {
  const r: Evaluated = evaluateExpression(source, scope);
  if (r.ok) assert.fail(`${source} evaluated to ${r.value.kind}`);
  return { message: r.message, column: r.column };
}

test('indexing picks an element, a row, or counts from the end', () => {
  assert.equal(value('W[1, 2]'), -6);
  assert.equal(value('W[0,1]'), -2);
  assert.deepEqual(value('dout[0]'), { shape: [3], values: [0.5, -1.5, 2] });
  assert.equal(value('dout[1][2]'), -4);
  assert.equal(value('W[-1, -3]'), 4);
  assert.equal(value('b[1 + 1]'), 3);
  assert.equal(value('W.shape[1]'), 3);
  assert.deepEqual(value('W.shape'), { dims: [2, 3] });
  assert.deepEqual(value('loss.shape'), { dims: [] });
});

test('reductions: sum, mean, absmax, norm, min, max', () => {
  assert.equal(value('W.sum()'), 5);
  assert.equal(value('dout.sum()'), 0);
  assert.equal(value('W.mean()'), 5 / 6);
  assert.equal(value('W.absmax()'), 6);
  assert.equal(value('W.min()'), -6);
  assert.equal(value('W.max()'), 5);
  // 1 + 4 + 9 + 16 + 25 + 36 = 91.
  assert.ok(Math.abs((value('W.norm()') as number) - Math.sqrt(91)) < 1e-15);
  assert.equal(value('(b * 0 + 1).norm()'), Math.sqrt(3));
  assert.equal(value('loss.sum()'), 2.5);
  // As numpy: a NaN anywhere makes the figure NaN.
  assert.ok(Number.isNaN(value('bad.max()') as number));
  assert.ok(Number.isNaN(value('bad.sum()') as number));
  // The norm is scaled and does not overflow.
  assert.equal(value('(b * 0 + 1e200).norm()'), 1e200 * Math.sqrt(3));
});

test('arithmetic with scalars and same-shape tensors, and precedence', () => {
  assert.equal(value('1 + 2 * 3'), 7);
  assert.equal(value('(1 + 2) * 3'), 9);
  assert.equal(value('8 / 4 / 2'), 1);
  assert.equal(value('2 - -3'), 5);
  assert.equal(value('1e-3 * 2'), 0.002);
  assert.equal(value('.5 + 1.'), 1.5);
  assert.deepEqual(value('W + dout * 2'), { shape: [2, 3], values: [[2, -5, 7], [4, 11, -14]] });
  assert.deepEqual(value('1 - b'), { shape: [3], values: [0, -1, -2] });
  assert.deepEqual(value('-b / 2'), { shape: [3], values: [-0.5, -1, -1.5] });
  assert.equal(value('(W - W).absmax()'), 0);
  assert.equal(value('1 / 0'), Infinity);
});

test('comparisons and && || for conditions, short-circuiting', () => {
  assert.equal(value('dout.absmax() > 1'), true);
  assert.equal(value('dout.absmax() > 4'), false);
  assert.equal(value('dout.absmax() >= 4 && loss < 3'), true);
  assert.equal(value('loss == 2.5'), true);
  assert.equal(value('loss != 2.5 || W[0, 0] <= 1'), true);
  assert.equal(value('!(loss > 2)'), false);
  // The right side is not evaluated once the left decides.
  assert.equal(value('loss > 100 && nothing.sum() > 0'), false);
  assert.equal(value('loss < 100 || nothing'), true);
});

test('a bad expression gets a message and its column', () => {
  assert.deepEqual(failure('W[2, 0]'), { message: 'index 2 is out of range for axis 0 of size 2', column: 3 });
  assert.deepEqual(failure('W[0, 1, 2]'), { message: '3 indices for 2 axes', column: 2 });
  assert.deepEqual(failure('W[0.5]'), { message: 'an index must be a whole number, got 0.5', column: 3 });
  assert.deepEqual(failure('b + W'), { message: "'+' needs tensors of one shape, got [3] and [2, 3]", column: 3 });
  assert.deepEqual(failure('dout > 1'), {
    message: "'>' compares numbers, got a tensor [2, 3] and a number: reduce a tensor first, e.g. dout.absmax() > 1",
    column: 6,
  });
  assert.deepEqual(evaluateExpression('1 + dx.sum()', scope), { ok: false, message: "'dx' is not defined here (in scope: W, dout, b, loss, bad)", column: 5, undefinedName: 'dx' });
  assert.deepEqual(failure('W.sum'), { message: 'sum is a method: write .sum()', column: 3 });
  assert.deepEqual(failure('W.shape()'), { message: 'shape is not a method: write .shape', column: 3 });
  assert.deepEqual(failure('W.foo()'), { message: "unknown property 'foo': try shape, sum(), mean(), absmax(), norm(), min(), max()", column: 3 });
  assert.deepEqual(failure('W.sum(1)'), { message: "expected ')', found '1'", column: 7 });
  assert.deepEqual(failure('(1 + 2'), { message: "expected ')', found end of expression", column: 7 });
  assert.deepEqual(failure('1 +'), { message: "expected a number, a name or '(', found end of expression", column: 4 });
  assert.deepEqual(failure('1 < 2 < 3'), { message: "unexpected '<'", column: 7 });
  assert.deepEqual(failure('loss && true'), { message: "'&&' needs conditions, got a number on its left", column: 6 });
  assert.deepEqual(failure('!loss'), { message: "'!' needs a condition, got a number", column: 1 });
  assert.deepEqual(failure('W.shape.sum()'), { message: 'sum() needs a tensor or a number, got a shape', column: 9 });
  assert.deepEqual(failure('loss[0]'), { message: 'only a tensor or a shape can be indexed, got a number', column: 5 });
  assert.deepEqual(failure('W = 1'), { message: "unexpected '='", column: 3 });
  assert.deepEqual(failure('W; 1'), { message: "unexpected ';'", column: 2 });
  assert.deepEqual(failure('  '), { message: 'empty expression', column: 1 });
  assert.deepEqual(failure('(b * 0)[0].min() + b[0:1]'), { message: "unexpected ':'", column: 23 });
});

test('hostile input gets a message, never an exception or a prototype', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']) {
    assert.match(failure(name).message, new RegExp(`^'${name}' is not defined here`));
    assert.match(failure(`W.${name}`).message, new RegExp(`^unknown property '${name}'`));
    assert.match(failure(`W["${name}"]`).message, /^unexpected '"'$/);
  }
  assert.deepEqual(failure('x'.repeat(MAX_EXPRESSION_LENGTH + 1)), {
    message: `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
    column: MAX_EXPRESSION_LENGTH + 1,
  });
  assert.deepEqual(failure('1'.repeat(1e6)), { message: `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, column: MAX_EXPRESSION_LENGTH + 1 });
  assert.deepEqual(failure('('.repeat(400) + '1' + ')'.repeat(400)), { message: `the expression nests deeper than ${MAX_DEPTH} levels`, column: MAX_DEPTH + 1 });
  assert.deepEqual(failure('-'.repeat(500) + '1'), { message: `the expression nests deeper than ${MAX_DEPTH} levels`, column: MAX_DEPTH + 1 });
  // The 65th '[' is at column 2 + 64 × 3.
  assert.deepEqual(failure('W' + '[0]'.repeat(300)), { message: `the expression chains more than ${MAX_DEPTH} indexings and properties`, column: 194 });
  assert.deepEqual(failure('W' + '.shape'.repeat(3)), { message: 'a shape has no shape', column: 9 });
  // A long flat chain is fine: it nests no deeper.
  assert.equal(value(Array.from({ length: 300 }, () => '1').join('+')), 300);
  assert.deepEqual(failure('\u0000'), { message: 'unexpected control character U+0000', column: 1 });
  assert.deepEqual(failure('W\n[0]'), { message: 'unexpected control character U+000A', column: 2 });
  assert.deepEqual(failure('é'), { message: "unexpected 'é'", column: 1 });
  assert.equal(value('9'.repeat(400)), Infinity);
});
