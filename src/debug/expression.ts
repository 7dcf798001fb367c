// Small expressions over the tensors of a debugger stop, for Watch, the Debug Console and
// conditional breakpoints: `W[3, 7]`, `dout[0].sum()`, `dx.absmax() > 1 && loss < 3`. Parsed and
// evaluated here, never by `eval`: names are looked up in a Map, so `__proto__` or `constructor`
// are unknown names like any other. A bad expression gives a message with its column; nothing throws.
import type { Tensor } from '../engine/tensor';
import type { Language } from '../message';
import { phrase, sayPhrase, type Phrase } from './say';

/** What an expression can yield: a number, a condition, a tensor, or a shape (from `.shape`). */
export type Value =
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'tensor'; tensor: Tensor }
  | { kind: 'shape'; dims: readonly number[] };

/**
 * The outcome of evaluating an expression: its value, or why not and at which column (1-based);
 * `undefinedName` when it read a name not in scope (a condition on dout, before a forward).
 */
export type Evaluated = { ok: true; value: Value } | { ok: false; message: string; column: number; undefinedName?: string };

/** Longest expression accepted: a watch is a line, not a program. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Deepest nesting of brackets and operators accepted, far below the stack's limit. */
export const MAX_DEPTH = 64;

const REDUCTIONS = ['sum', 'mean', 'absmax', 'norm', 'min', 'max'] as const;
type Reduction = (typeof REDUCTIONS)[number];

/** Why an expression does not parse or evaluate: a message of DEBUG_MESSAGES, and the column (1-based). */
class ExpressionError extends Error {
  constructor(
    readonly said: Phrase,
    readonly column: number,
    readonly undefinedName?: string,
  ) {
    super(said.id);
  }
}

type Token =
  | { kind: 'number'; value: number; at: number; text: string }
  | { kind: 'name'; text: string; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'end'; text: ''; at: number };

const OPERATORS = ['&&', '||', '<=', '>=', '==', '!=', '<', '>', '+', '-', '*', '/', '!', '(', ')', '[', ']', ',', '.'];

const NUMBER = /(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(source);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: i, text: number[0] });
      i += number[0].length;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(source);
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) {
      const shown = c < ' ' ? phrase('debug.expr.controlCharacter', { code: c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') }) : `'${c}'`;
      throw new ExpressionError(phrase('debug.expr.unexpected', { token: shown }), i + 1);
    }
    tokens.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: source.length });
  return tokens;
}

type Node =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'name'; name: string; at: number }
  | { kind: 'unary'; op: string; operand: Node; at: number }
  | { kind: 'binary'; op: string; left: Node; right: Node; at: number }
  | { kind: 'index'; target: Node; indices: Node[]; at: number }
  | { kind: 'property'; target: Node; name: string; call: boolean; at: number };

/** Binary operators by precedence, loosest first. */
const LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/']];

function parse(tokens: Token[]): Node {
  let pos = 0;
  let depth = 0;
  const peek = (): Token => tokens[pos];
  const isOp = (text: string): boolean => peek().kind === 'op' && peek().text === text;
  const expect = (text: string): void => {
    if (!isOp(text)) throw new ExpressionError(phrase('debug.expr.expected', { expected: text, found: describe(peek()) }), peek().at + 1);
    pos++;
  };
  const nest = <T>(at: number, inner: () => T): T => {
    if (++depth > MAX_DEPTH) throw new ExpressionError(phrase('debug.expr.tooDeep', { depth: String(MAX_DEPTH) }), at + 1);
    try {
      return inner();
    } finally {
      depth--;
    }
  };
  const binary = (level: number): Node => {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    // A comparison does not chain: `a < b < c` is almost always a mistake.
    const chains = level !== 2;
    while (peek().kind === 'op' && LEVELS[level].includes(peek().text)) {
      const op = tokens[pos++];
      const right = nest(op.at, () => binary(level + 1));
      left = { kind: 'binary', op: op.text, left, right, at: op.at };
      if (!chains) break;
    }
    return left;
  };
  const unary = (): Node => {
    const t = peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '!')) {
      pos++;
      return nest(t.at, () => ({ kind: 'unary', op: t.text, operand: unary(), at: t.at }));
    }
    return postfix(primary());
  };
  const primary = (): Node => {
    const t = tokens[pos++];
    if (t.kind === 'number') return { kind: 'number', value: t.value, at: t.at };
    if (t.kind === 'name') return { kind: 'name', name: t.text, at: t.at };
    if (t.kind === 'op' && t.text === '(') {
      const inner = nest(t.at, () => binary(0));
      expect(')');
      return inner;
    }
    throw new ExpressionError(phrase('debug.expr.expectedOperand', { found: describe(t) }), t.at + 1);
  };
  const postfix = (target: Node): Node => {
    for (let chain = 1; ; chain++) {
      const t = peek();
      if (isOp('[')) {
        pos++;
        const indices = [nest(t.at, () => binary(0))];
        while (isOp(',')) {
          pos++;
          indices.push(nest(t.at, () => binary(0)));
        }
        expect(']');
        target = { kind: 'index', target, indices, at: t.at };
      } else if (isOp('.')) {
        pos++;
        const name = tokens[pos++];
        if (name.kind !== 'name') throw new ExpressionError(phrase('debug.expr.expectedProperty', { found: describe(name) }), name.at + 1);
        const call = isOp('(');
        if (call) {
          pos++;
          expect(')');
        }
        target = { kind: 'property', target, name: name.text, call, at: name.at };
      } else return target;
      if (chain > MAX_DEPTH) throw new ExpressionError(phrase('debug.expr.tooLongChain', { depth: String(MAX_DEPTH) }), t.at + 1);
    }
  };
  const root = binary(0);
  if (peek().kind !== 'end') throw new ExpressionError(phrase('debug.expr.unexpected', { token: describe(peek()) }), peek().at + 1);
  return root;
}

/** A token as a message names it: quoted, or the end of the expression. */
function describe(t: Token): string | Phrase {
  return t.kind === 'end' ? phrase('debug.expr.end') : `'${t.text}'`;
}

/** What a value is, as a message says it: `a tensor [2, 3]`. */
function typeName(v: Value): Phrase {
  switch (v.kind) {
    case 'number':
      return phrase('debug.expr.type.number');
    case 'boolean':
      return phrase('debug.expr.type.condition');
    case 'tensor':
      return phrase('debug.expr.type.tensor', { shape: v.tensor.shape.join(', ') });
    case 'shape':
      return phrase('debug.expr.type.shape');
  }
}

const num = (value: number): Value => ({ kind: 'number', value });

function reduce(data: Float64Array, how: Reduction, at: number): number {
  if (data.length === 0 && (how === 'min' || how === 'max' || how === 'mean')) {
    throw new ExpressionError(phrase('debug.expr.emptyReduction', { reduction: how }), at + 1);
  }
  // As numpy: a NaN anywhere makes every figure NaN, which is what someone hunting it wants to see.
  let acc = how === 'min' ? Infinity : how === 'max' ? -Infinity : 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) return NaN;
    if (how === 'sum' || how === 'mean') acc += v;
    else if (how === 'min') acc = Math.min(acc, v);
    else if (how === 'max') acc = Math.max(acc, v);
    else acc = Math.max(acc, Math.abs(v));
  }
  if (how === 'mean') return acc / data.length;
  if (how !== 'norm') return acc;
  // The norm scaled by the largest |v|, so the squares cannot overflow.
  if (acc === 0 || acc === Infinity) return acc;
  let squares = 0;
  for (let i = 0; i < data.length; i++) squares += (data[i] / acc) * (data[i] / acc);
  return acc * Math.sqrt(squares);
}

function arithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      return a / b;
  }
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    default:
      return a !== b;
  }
}

function evaluateNode(node: Node, scope: ReadonlyMap<string, Value>): Value {
  const column = node.at + 1;
  switch (node.kind) {
    case 'number':
      return num(node.value);
    case 'name': {
      const v = scope.get(node.name);
      if (!v) {
        const known = [...scope.keys()].join(', ');
        const said = known ? phrase('debug.expr.undefined.scope', { name: node.name, names: known }) : phrase('debug.expr.undefined', { name: node.name });
        throw new ExpressionError(said, column, node.name);
      }
      return v;
    }
    case 'unary': {
      const v = evaluateNode(node.operand, scope);
      if (node.op === '!') {
        if (v.kind !== 'boolean') throw new ExpressionError(phrase('debug.expr.notNeedsCondition', { type: typeName(v) }), column);
        return { kind: 'boolean', value: !v.value };
      }
      const sign = node.op === '-' ? -1 : 1;
      if (v.kind === 'number') return num(sign * v.value);
      if (v.kind === 'tensor') return { kind: 'tensor', tensor: mapTensor(v.tensor, (x) => sign * x) };
      throw new ExpressionError(phrase('debug.expr.signNeedsNumber', { op: node.op, type: typeName(v) }), column);
    }
    case 'binary':
      return binaryValue(node, scope);
    case 'index':
      return indexValue(evaluateNode(node.target, scope), node, scope);
    case 'property':
      return propertyValue(evaluateNode(node.target, scope), node);
  }
}

function mapTensor(t: Tensor, f: (x: number) => number): Tensor {
  const data = new Float64Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = f(t.data[i]);
  return { shape: [...t.shape], data };
}

function binaryValue(node: Extract<Node, { kind: 'binary' }>, scope: ReadonlyMap<string, Value>): Value {
  const column = node.at + 1;
  const left = evaluateNode(node.left, scope);
  if (node.op === '&&' || node.op === '||') {
    if (left.kind !== 'boolean') throw new ExpressionError(phrase('debug.expr.logicLeft', { op: node.op, type: typeName(left) }), column);
    if (left.value === (node.op === '||')) return left;
    const right = evaluateNode(node.right, scope);
    if (right.kind !== 'boolean') throw new ExpressionError(phrase('debug.expr.logicRight', { op: node.op, type: typeName(right) }), column);
    return right;
  }
  const right = evaluateNode(node.right, scope);
  if (['<', '<=', '>', '>=', '==', '!='].includes(node.op)) {
    if (left.kind === 'number' && right.kind === 'number') return { kind: 'boolean', value: compare(node.op, left.value, right.value) };
    throw new ExpressionError(phrase('debug.expr.compareNumbers', { op: node.op, left: typeName(left), right: typeName(right) }), column);
  }
  if (left.kind === 'number' && right.kind === 'number') return num(arithmetic(node.op, left.value, right.value));
  if (left.kind === 'tensor' && right.kind === 'number') return { kind: 'tensor', tensor: mapTensor(left.tensor, (x) => arithmetic(node.op, x, right.value)) };
  if (left.kind === 'number' && right.kind === 'tensor') return { kind: 'tensor', tensor: mapTensor(right.tensor, (x) => arithmetic(node.op, left.value, x)) };
  if (left.kind === 'tensor' && right.kind === 'tensor') {
    const a = left.tensor;
    const b = right.tensor;
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      throw new ExpressionError(phrase('debug.expr.sameShape', { op: node.op, left: a.shape.join(', '), right: b.shape.join(', ') }), column);
    }
    const data = new Float64Array(a.data.length);
    for (let i = 0; i < data.length; i++) data[i] = arithmetic(node.op, a.data[i], b.data[i]);
    return { kind: 'tensor', tensor: { shape: [...a.shape], data } };
  }
  throw new ExpressionError(phrase('debug.expr.arithmetic', { op: node.op, left: typeName(left), right: typeName(right) }), column);
}

function indexValue(target: Value, node: Extract<Node, { kind: 'index' }>, scope: ReadonlyMap<string, Value>): Value {
  const column = node.at + 1;
  if (target.kind !== 'tensor' && target.kind !== 'shape') throw new ExpressionError(phrase('debug.expr.notIndexable', { type: typeName(target) }), column);
  const dims = target.kind === 'tensor' ? target.tensor.shape : [target.dims.length];
  if (node.indices.length > dims.length) {
    const args = { count: String(node.indices.length), axes: String(dims.length) };
    throw new ExpressionError(dims.length === 1 ? phrase('debug.expr.tooManyIndices.oneAxis', args) : phrase('debug.expr.tooManyIndices', args), column);
  }
  const at = node.indices.map((expr, axis) => {
    const v = evaluateNode(expr, scope);
    const i = v.kind === 'number' ? v.value : NaN;
    if (!Number.isInteger(i)) throw new ExpressionError(phrase('debug.expr.indexNotWhole', { value: v.kind === 'number' ? String(i) : typeName(v) }), expr.at + 1);
    // Negative indices count from the end, as in numpy.
    const k = i < 0 ? i + dims[axis] : i;
    if (k < 0 || k >= dims[axis]) throw new ExpressionError(phrase('debug.expr.indexOutOfRange', { index: String(i), axis: String(axis), size: String(dims[axis]) }), expr.at + 1);
    return k;
  });
  if (target.kind === 'shape') return num(target.dims[at[0]]);
  const t = target.tensor;
  // The row-major offset of the indexed block, and the shape of what is left.
  let offset = 0;
  let stride = t.data.length;
  for (let axis = 0; axis < at.length; axis++) {
    stride /= t.shape[axis];
    offset += at[axis] * stride;
  }
  const rest = t.shape.slice(at.length);
  if (rest.length === 0) return num(t.data[offset]);
  return { kind: 'tensor', tensor: { shape: rest, data: t.data.slice(offset, offset + stride) } };
}

function propertyValue(target: Value, node: Extract<Node, { kind: 'property' }>): Value {
  const column = node.at + 1;
  const reduction = (REDUCTIONS as readonly string[]).includes(node.name) ? (node.name as Reduction) : null;
  if (node.name === 'shape') {
    if (node.call) throw new ExpressionError(phrase('debug.expr.shapeNotMethod'), column);
    if (target.kind === 'tensor') return { kind: 'shape', dims: [...target.tensor.shape] };
    if (target.kind === 'number') return { kind: 'shape', dims: [] };
    throw new ExpressionError(phrase('debug.expr.noShape', { type: typeName(target) }), column);
  }
  if (!reduction) throw new ExpressionError(phrase('debug.expr.unknownProperty', { name: node.name, names: ['shape', ...REDUCTIONS.map((r) => `${r}()`)].join(', ') }), column);
  if (!node.call) throw new ExpressionError(phrase('debug.expr.isMethod', { reduction }), column);
  if (target.kind === 'tensor') return num(reduce(target.tensor.data, reduction, node.at));
  if (target.kind === 'number') return num(reduce(Float64Array.of(target.value), reduction, node.at));
  throw new ExpressionError(phrase('debug.expr.reductionNeedsTensor', { reduction, type: typeName(target) }), column);
}

/**
 * Evaluates `source` over the values in `scope`. Never throws: a bad expression gives its message,
 * in `language`, and column.
 */
export function evaluateExpression(source: string, scope: ReadonlyMap<string, Value>, language: Language = 'en'): Evaluated {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, message: sayPhrase(language, phrase('debug.expr.tooLong', { length: String(MAX_EXPRESSION_LENGTH) })), column: MAX_EXPRESSION_LENGTH + 1 };
  }
  try {
    const tokens = tokenize(source);
    if (tokens.length === 1) return { ok: false, message: sayPhrase(language, phrase('debug.expr.empty')), column: 1 };
    return { ok: true, value: evaluateNode(parse(tokens), scope) };
  } catch (e) {
    if (e instanceof ExpressionError) return { ok: false, message: sayPhrase(language, e.said), column: e.column, ...(e.undefinedName && { undefinedName: e.undefinedName }) };
    throw e;
  }
}
