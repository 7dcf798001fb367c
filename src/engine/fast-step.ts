// A whole training step (gather, forward, loss, backward) of networks of built-in layers, without
// allocating: every buffer is made once, in a WebAssembly memory. The matrix products, and the
// listing of nonzeros they use, run in small WebAssembly SIMD kernels (two float64 lanes per
// instruction), about 3× as fast as the same loops in JavaScript; the elementwise layers and the
// losses stay in JavaScript.
//
// Products skip zero inputs: x·W sums x[i,p]·W[p,:] only over the nonzeros of row i (MNIST pixels
// are ~80% zeros, ReLU outputs ~50%), and dW = xᵀ·dout sums over the nonzeros of column p. Each sum
// still adds its terms one at a time in index order, like the plain loops in ops.ts, and a skipped
// term 0·w is ±0, which leaves a sum unchanged: so the results are the plain path's bits, as long as
// the other factor is finite (0·Inf is NaN). When a weight or gradient is not finite, that product
// takes every term. The nonzeros of the training inputs are listed once, not per minibatch. The
// first affine layer's dx is never computed: training does not need it. Evaluation runs the same
// forward over the rows in minibatch-sized chunks, so its scores are the plain predict's bits too,
// and keeps the nonzeros of the inputs it evaluates (the test set) listed as well.
import type { Layer } from './layer';
import { Affine } from './layers/affine';
import { LeakyRelu } from './layers/leaky-relu';
import { MSELoss } from './layers/mse';
import { Relu } from './layers/relu';
import { Sigmoid } from './layers/sigmoid';
import { SoftmaxWithLoss } from './layers/softmax-with-loss';
import { Tanh } from './layers/tanh';
import { denseTargets } from './layers/targets';
import type { Sequential } from './network';
import { tensor, type Tensor } from './tensor';
import { correctRows } from './accuracy';

/** The part of the WebAssembly API used here (the engine's tsconfig has no DOM lib). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
};

// ---- A minimal WebAssembly assembler: each helper returns the bytes of one folded instruction. ----

/** WebAssembly bytecode. */
type Code = number[];

/** Unsigned LEB128. */
function uleb(n: number): Code {
  const out: Code = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n ? low | 0x80 : low);
  } while (n);
  return out;
}

/** Signed LEB128 of an i32. */
function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const low = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(low & 0x40)) || (n === -1 && low & 0x40)) return [...out, low];
    out.push(low | 0x80);
  }
}

// Opcodes are those of the WebAssembly core spec and its fixed-width SIMD extension.
/** The instruction `code` after the code of its operands. */
const op = (code: number | Code) => (...args: Code[]): Code => [...args.flat(), ...(typeof code === 'number' ? [code] : code)];
const simd = (code: number) => op([0xfd, ...uleb(code)]);
const get = (l: number): Code => [0x20, l];
const set = (l: number, x: Code): Code => [...x, 0x21, l];
const i32 = (n: number): Code => [0x41, ...sleb(n)];
const f64zero: Code = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
const add = op(0x6a);
const sub = op(0x6b);
const mul = op(0x6c);
const and = op(0x71);
const or = op(0x72);
const shl = op(0x74);
const ltU = op(0x49);
const ctz = op(0x68);
const fadd = op(0xa0);
const fsub = op(0xa1);
const fmul = op(0xa2);
const feq = op(0x61);
const fne = op(0x62);
const vadd = simd(0xf0);
const vsub = simd(0xf1);
const vmul = simd(0xf2);
const veq = simd(0x47);
const vne = simd(0x48);
const vand = simd(0x4e);
const allTrue = simd(0xc3);
const bitmask = simd(0xc4);
/** Memory access with alignment log2 `align` at byte offset `offset` from `addr`. */
const mem = (code: Code, align: number) => (addr: Code, offset = 0, value: Code = []): Code => [...addr, ...value, ...code, align, ...uleb(offset)];
const load32 = mem([0x28], 2);
const store32 = (addr: Code, value: Code, offset = 0) => mem([0x36], 2)(addr, offset, value);
const loadF = mem([0x2b], 3);
const storeF = (addr: Code, value: Code, offset = 0) => mem([0x39], 3)(addr, offset, value);
const loadV = mem([0xfd, 0x00], 4);
const splat = mem([0xfd, 0x0a], 3);
const storeV = (addr: Code, value: Code, offset = 0) => mem([0xfd, 0x0b], 4)(addr, offset, value);
const v128zero: Code = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const v128ones: Code = [0xfd, 0x0c, ...new Array<number>(16).fill(0xff)];
/** memory.fill of n bytes at dst with zeros. */
const fill = (dst: Code, n: Code): Code => [...dst, ...i32(0), ...n, 0xfc, 0x0b, 0x00];
/** while (cond) body: block, loop, br_if out on !cond, body, br to the loop. */
const whileLoop = (cond: Code, ...body: Code[]): Code => [0x02, 0x40, 0x03, 0x40, ...cond, 0x45, 0x0d, 1, ...body.flat(), 0x0c, 0, 0x0b, 0x0b];
/** if (cond) body. */
const ifThen = (cond: Code, ...body: Code[]): Code => [...cond, 0x04, 0x40, ...body.flat(), 0x0b];
/** local += by. */
const inc = (l: number, by: number): Code => set(l, add(get(l), i32(by)));

// Value types.
const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

/** A function of i32 parameters and typed locals, both named. */
interface Func {
  /** Export name. */
  name: string;
  /** Number of i32 parameters. */
  params: number;
  /** Types of the locals after the parameters. */
  locals: number[];
  /** Whether it returns an i32. */
  returns: boolean;
  /** The body, without the final `end`. */
  body: Code;
}

/** A function whose `body` reads its parameters and locals by name (their indices). */
function func<P extends string, L extends string>(name: string, params: readonly P[], locals: Record<L, number>, returns: boolean, body: (v: Record<P | L, number>) => Code[]): Func {
  const names = [...params, ...(Object.keys(locals) as L[])];
  const v = Object.fromEntries(names.map((n, i) => [n, i])) as Record<P | L, number>;
  return { name, params: params.length, locals: Object.values<number>(locals), returns, body: body(v).flat() };
}

/** A module of `funcs` that imports its memory as env.memory. */
function wasmModule(funcs: Func[]): Uint8Array {
  const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
  const section = (id: number, items: Code[]): Code => {
    const content = vec(items);
    return [id, ...uleb(content.length), ...content];
  };
  const name = (s: string): Code => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  const body = (f: Func): Code => {
    const groups = vec(f.locals.map((t) => [1, t]));
    const code = [...groups, ...f.body, 0x0b];
    return [...uleb(code.length), ...code];
  };
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, funcs.map((f) => [0x60, ...vec(new Array<Code>(f.params).fill([I32])), ...(f.returns ? [1, I32] : [0])])),
    ...section(2, [[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]]),
    ...section(3, funcs.map((_, i) => uleb(i))),
    ...section(7, funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])),
    ...section(10, funcs.map(body)),
  ]);
}

// ---- The kernels. Addresses are in bytes; index arrays are i32, values f64. ----

/** The locals the column lists use. */
type ColumnVars = Record<'rows' | 'width' | 'cval' | 'cidx' | 'cbegin' | 'cend' | 'p' | 'q' | 'at', number>;

/** Empties the column lists: column p gets room for `rows` entries from p·rows on. */
const startColumns = (v: ColumnVars): Code =>
  whileLoop(
    ltU(get(v.p), get(v.width)),
    set(v.q, mul(get(v.p), get(v.rows))),
    store32(add(get(v.cbegin), shl(get(v.p), i32(2))), get(v.q)),
    store32(add(get(v.cend), shl(get(v.p), i32(2))), get(v.q)),
    inc(v.p, 1),
  );

/** Appends (row, value) to the list of column `col`. */
const appendColumn = (v: ColumnVars, col: Code, row: Code, value: Code): Code => [
  ...set(v.at, add(get(v.cend), shl(col, i32(2)))),
  ...set(v.q, load32(get(v.at))),
  ...store32(add(get(v.cidx), shl(get(v.q), i32(2))), row),
  ...storeF(add(get(v.cval), shl(get(v.q), i32(3))), value),
  ...store32(get(v.at), add(get(v.q), i32(1))),
];

/**
 * spmm(c, b, bytes, val, idx, begin, end, rows, width, cval, cidx, cbegin, cend): for each
 * r < rows, row r of C = Σ over e in [begin[r], end[r]) of val[e]·(row idx[e] of B), the terms
 * added one at a time in order; rows of B and C are `bytes` wide. Four terms per pass over the row,
 * two columns per instruction; the last column of an odd width is summed on its own. Unless `width`
 * is 0, it also lists the terms by column in the same pass, as the columns kernel does.
 */
const spmm = func(
  'spmm',
  ['c', 'b', 'bytes', 'val', 'idx', 'begin', 'end', 'rows', 'width', 'cval', 'cidx', 'cbegin', 'cend'],
  { r: I32, o: I32, e: I32, stop: I32, e4: I32, j: I32, vb: I32, vb32: I32, r0: I32, r1: I32, r2: I32, r3: I32, p: I32, q: I32, at: I32, a0: V128, a1: V128, a2: V128, a3: V128, s: F64 },
  false,
  (v) => {
    const column = (k: number): Code => load32(add(get(v.idx), shl(get(v.e), i32(2))), 4 * k);
    const value = (k: number): Code => loadF(add(get(v.val), shl(get(v.e), i32(3))), 8 * k);
    const rowOf = (k: number): Code => add(get(v.b), mul(column(k), get(v.bytes)));
    const term = (a: number, row: number, offset: number): Code => vmul(get(a), loadV(add(get(row), get(v.j)), offset));
    const out = (offset: number): Code => loadV(add(get(v.o), get(v.j)), offset);
    // body(offset) for each column pair; two pairs per pass, which halves the loop's own instructions.
    const eachColumnPair = (body: (offset: number) => Code): Code => [
      ...set(v.j, i32(0)),
      ...whileLoop(ltU(get(v.j), get(v.vb32)), body(0), body(16), inc(v.j, 32)),
      ...ifThen(and(get(v.bytes), i32(16)), body(0)),
    ];
    const list = (...ks: number[]): Code => ifThen(get(v.width), ...ks.map((k) => appendColumn(v, column(k), get(v.r), value(k))));
    return [
      startColumns(v),
      set(v.vb, and(get(v.bytes), i32(-16))),
      set(v.vb32, and(get(v.bytes), i32(-32))),
      whileLoop(
        ltU(get(v.r), get(v.rows)),
        set(v.o, add(get(v.c), mul(get(v.r), get(v.bytes)))),
        fill(get(v.o), get(v.bytes)),
        set(v.e, load32(add(get(v.begin), shl(get(v.r), i32(2))))),
        set(v.stop, load32(add(get(v.end), shl(get(v.r), i32(2))))),
        set(v.e4, sub(get(v.stop), and(sub(get(v.stop), get(v.e)), i32(3)))),
        whileLoop(
          ltU(get(v.e), get(v.e4)),
          ...[v.a0, v.a1, v.a2, v.a3].map((a, k) => set(a, splat(add(get(v.val), shl(get(v.e), i32(3))), 8 * k))),
          ...[v.r0, v.r1, v.r2, v.r3].map((row, k) => set(row, rowOf(k))),
          eachColumnPair((at) =>
            storeV(add(get(v.o), get(v.j)), vadd(vadd(vadd(vadd(out(at), term(v.a0, v.r0, at)), term(v.a1, v.r1, at)), term(v.a2, v.r2, at)), term(v.a3, v.r3, at)), at),
          ),
          list(0, 1, 2, 3),
          inc(v.e, 4),
        ),
        whileLoop(
          ltU(get(v.e), get(v.stop)),
          set(v.a0, splat(add(get(v.val), shl(get(v.e), i32(3))))),
          set(v.r0, rowOf(0)),
          eachColumnPair((at) => storeV(add(get(v.o), get(v.j)), vadd(out(at), term(v.a0, v.r0, at)), at)),
          list(0),
          inc(v.e, 1),
        ),
        ifThen(
          and(get(v.bytes), i32(8)),
          set(v.s, f64zero),
          set(v.e, load32(add(get(v.begin), shl(get(v.r), i32(2))))),
          whileLoop(ltU(get(v.e), get(v.stop)), set(v.s, fadd(get(v.s), fmul(value(0), loadF(add(rowOf(0), get(v.vb)))))), inc(v.e, 1)),
          storeF(add(get(v.o), get(v.vb)), get(v.s)),
        ),
        inc(v.r, 1),
      ),
    ];
  },
);

/**
 * scan(src, rows, width, all, val, idx, ptr): lists the nonzeros (every element when `all` is 1)
 * of the matrix at src [rows, width] row by row: values val, columns idx, row r at ptr[r]..ptr[r+1].
 * Eight elements are tested at a time, and only the nonzero ones among them are visited.
 */
const scan = func('scan', ['src', 'rows', 'width', 'all', 'val', 'idx', 'ptr'], { i: I32, p: I32, n: I32, g8: I32, row: I32, m: I32, col: I32 }, false, (v) => {
  const nonzeroBits = (k: number): Code => shl(bitmask(vne(loadV(add(get(v.row), shl(get(v.p), i32(3))), 16 * k), v128zero)), i32(2 * k));
  const element: Code[] = [
    store32(add(get(v.idx), shl(get(v.n), i32(2))), get(v.col)),
    storeF(add(get(v.val), shl(get(v.n), i32(3))), loadF(add(get(v.row), shl(get(v.col), i32(3))))),
    inc(v.n, 1),
  ];
  return [
    store32(get(v.ptr), i32(0)),
    set(v.g8, and(get(v.width), i32(-8))),
    whileLoop(
      ltU(get(v.i), get(v.rows)),
      set(v.row, add(get(v.src), mul(get(v.i), shl(get(v.width), i32(3))))),
      set(v.p, i32(0)),
      whileLoop(
        ltU(get(v.p), get(v.g8)),
        set(v.m, or(or(or(nonzeroBits(0), nonzeroBits(1)), or(nonzeroBits(2), nonzeroBits(3))), mul(get(v.all), i32(255)))),
        whileLoop(get(v.m), set(v.col, add(get(v.p), ctz(get(v.m)))), set(v.m, and(get(v.m), sub(get(v.m), i32(1)))), ...element),
        inc(v.p, 8),
      ),
      whileLoop(
        ltU(get(v.p), get(v.width)),
        set(v.col, get(v.p)),
        ifThen(or(fne(loadF(add(get(v.row), shl(get(v.col), i32(3)))), f64zero), get(v.all)), ...element),
        inc(v.p, 1),
      ),
      inc(v.i, 1),
      store32(add(get(v.ptr), shl(get(v.i), i32(2))), get(v.n)),
    ),
  ];
});

/**
 * columns(val, idx, begin, end, rows, width, cval, cidx, cbegin, cend): the row lists (as spmm
 * reads them) listed by column, rows ascending within each: column p holds rows cidx and values
 * cval at cbegin[p]..cend[p], in room for `rows` entries from p·rows on.
 */
const columns = func('columns', ['val', 'idx', 'begin', 'end', 'rows', 'width', 'cval', 'cidx', 'cbegin', 'cend'], { r: I32, p: I32, e: I32, stop: I32, at: I32, q: I32 }, false, (v) => [
  startColumns(v),
  whileLoop(
    ltU(get(v.r), get(v.rows)),
    set(v.e, load32(add(get(v.begin), shl(get(v.r), i32(2))))),
    set(v.stop, load32(add(get(v.end), shl(get(v.r), i32(2))))),
    whileLoop(ltU(get(v.e), get(v.stop)), appendColumn(v, load32(add(get(v.idx), shl(get(v.e), i32(2)))), get(v.r), loadF(add(get(v.val), shl(get(v.e), i32(3))))), inc(v.e, 1)),
    inc(v.r, 1),
  ),
]);

/** finite(ptr, n): 1 when all n doubles at ptr are finite (x − x is 0 for them, NaN otherwise), else 0. */
const finite = func('finite', ['ptr', 'n'], { stop: I32, tail: I32, ok: V128, d0: V128, d1: V128, x: F64 }, true, (v) => {
  const pair = (d: number, offset: number): Code[] => [set(d, loadV(get(v.ptr), offset)), set(d, vsub(get(d), get(d)))];
  return [
    set(v.ok, v128ones),
    set(v.tail, i32(1)),
    // Four doubles per pass, then the last two, then the last one.
    set(v.stop, add(get(v.ptr), shl(and(get(v.n), i32(-4)), i32(3)))),
    whileLoop(ltU(get(v.ptr), get(v.stop)), ...pair(v.d0, 0), ...pair(v.d1, 16), set(v.ok, vand(get(v.ok), vand(veq(get(v.d0), get(v.d0)), veq(get(v.d1), get(v.d1))))), inc(v.ptr, 32)),
    ifThen(and(get(v.n), i32(2)), ...pair(v.d0, 0), set(v.ok, vand(get(v.ok), veq(get(v.d0), get(v.d0)))), inc(v.ptr, 16)),
    ifThen(and(get(v.n), i32(1)), set(v.x, loadF(get(v.ptr))), set(v.tail, feq(fsub(get(v.x), get(v.x)), f64zero))),
    and(allTrue(get(v.ok)), get(v.tail)),
  ];
});

/** The kernels' exports. */
interface Kernels {
  spmm(c: number, b: number, bytes: number, val: number, idx: number, begin: number, end: number, rows: number, width: number, cval: number, cidx: number, cbegin: number, cend: number): void;
  scan(src: number, rows: number, width: number, all: number, val: number, idx: number, ptr: number): void;
  columns(val: number, idx: number, begin: number, end: number, rows: number, width: number, cval: number, cidx: number, cbegin: number, cend: number): void;
  finite(ptr: number, n: number): number;
}

/** The compiled kernels, null where WebAssembly SIMD is missing; undefined until first asked. */
let compiled: object | null | undefined;

/** The kernels' module, compiled once. */
function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(wasmModule([spmm, scan, columns, finite]));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

// ---- The step. ----

/** An elementwise layer the fast step runs. */
type Activation = Relu | LeakyRelu | Sigmoid | Tanh;

/** Byte offsets of a matrix's nonzeros listed by row, as spmm reads them. */
interface Rows {
  /** Values (f64). */
  val: number;
  /** Column of each value (i32). */
  idx: number;
  /** Start of each row in val and idx (i32). */
  begin: number;
  /** End of each row (i32). */
  end: number;
}

/** An affine layer's part of the step: byte offsets of its buffers in the memory, and views of some. */
interface AffineStage {
  /** The layer. */
  layer: Affine;
  /** Input width D. */
  d: number;
  /** Output width M. */
  m: number;
  /** The copy of W [D, M] that the kernels read. */
  w: number;
  /** The input's [batch, D] nonzeros as scan lists them (row starts at begin, batch + 1 of them). */
  scanned: Rows;
  /** The input's nonzeros by column (see the columns kernel): values. */
  cval: number;
  /** Their rows. */
  cidx: number;
  /** Where each column starts. */
  cbegin: number;
  /** Where each column ends. */
  cend: number;
  /** Whether the last forward listed every input element (W was not finite). */
  everyX: boolean;
  /** dW [D, M]. */
  dW: number;
  /** Buffers of dx = dout·Wᵀ, or null for the first affine layer (no dx): Wᵀ [M, D] and dout's nonzeros. */
  dx: { wt: number; dout: Rows } | null;
  /** W's gradient, handed out as the param's grad and rewritten every step. */
  gradW: Tensor;
  /** b's gradient, likewise. */
  gradB: Tensor;
  /** Views of w, dW and dx.wt (the last empty without dx) in the current memory. */
  views: { w: Float64Array; dW: Float64Array; wt: Float64Array };
}

/** One layer of the step. */
type Stage = { kind: 'affine'; affine: AffineStage } | { kind: 'activation'; layer: Activation };

/** One inputs tensor's nonzeros, listed row by row after the step's buffers. */
interface Listed {
  /** The inputs' data. */
  data: Float64Array;
  /** How many nonzeros there are. */
  nonzeros: number;
  /** Where each input row's nonzeros start in the lists (N + 1 of them). */
  starts: Int32Array;
  /** The lists; begin and end, shared by all lists, are set per run to the rows it runs. */
  rows: Rows;
}

/** Bump allocation of 16-byte aligned regions. */
class Arena {
  /** Bytes allocated so far. */
  size = 0;
  /** A region of `bytes`; its byte offset. */
  alloc(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(bytes / 16) * 16;
    return at;
  }
  /** Room for the row lists of a [rows, width] matrix. */
  rows(rows: number, width: number): Rows {
    const begin = this.alloc(4 * (rows + 1));
    return { val: this.alloc(8 * rows * width), idx: this.alloc(4 * rows * width), begin, end: begin + 4 };
  }
}

/**
 * Preallocated forward+backward of a whole minibatch step for networks of built-in layers. Its
 * results are the plain path's bits (objective, then backward). The grads it sets are the same
 * tensors every step, rewritten in place: callers that keep one across steps must copy it. It reads
 * the params' current values each step and changes no layer state but the params' grads. It lists
 * the nonzeros of every row of the training inputs once per inputs tensor (when at most half are
 * nonzero), and likewise of the last inputs it evaluated, assuming, as everywhere in the engine,
 * that a tensor's data is never written.
 */
export class FastStep {
  /** The kernels, bound to `buffer`. */
  private k: Kernels;
  /** The memory: the step's buffers, then the listed nonzeros of the inputs. */
  private buffer: ArrayBuffer;
  /** Bytes of the step's buffers. */
  private readonly size: number;
  /** One stage per layer. */
  private readonly stages: Stage[];
  /** Index of the first affine layer: backward stops there. */
  private readonly firstAffine: number;
  /** Width of each activation: the input, then each layer's output. */
  private readonly widths: number[];
  /** Each activation [batch, width]; activation 0 is the gathered input. */
  private readonly acts: number[];
  /** The gradient of each activation after the first affine layer (the others are unused). */
  private readonly grads: number[];
  /** Views of the activations in the current memory. */
  private actViews: Float64Array[] = [];
  /** Views of the gradients in the current memory. */
  private gradViews: Float64Array[] = [];
  /** Dense targets of the minibatch [batch, classes] (labels become one-hot rows). */
  private readonly targets: Float64Array;
  /** Softmax of the scores [batch, classes] (unused for mse). */
  private readonly probs: Float64Array;
  /** Whether this step's input rows have been copied to activation 0. */
  private gathered = false;
  /**
   * The inputs' lists (made only when the first layer is affine), most recently used first: at most
   * two, so that the training inputs' and the test inputs' both stay, and memory stays bounded.
   */
  private listed: Listed[] = [];
  /** Inputs never to list: too dense, or too large for any memory. Weak: it keeps none alive. */
  private readonly unlisted = new WeakSet<Float64Array>();
  /** The last step's inputs: the next step lists them when it is given the same. */
  private seen: Float64Array | null = null;
  /** The lists of the inputs being run, or null when their rows are copied and scanned. */
  private current: Listed | null = null;
  /** Byte offsets of the run's row starts and ends in the lists, [batch] i32 each. */
  private readonly runRows: { begin: number; end: number };
  /** View of runRows.begin in the current memory. */
  private begin = new Int32Array(0);
  /** View of runRows.end in the current memory. */
  private end = new Int32Array(0);
  /** The rows of one chunk of an evaluation. */
  private readonly chunk: Int32Array;

  /** Made by fastStep(), which checks the network first; `widths` are the activation widths. */
  constructor(
    /** The network. */
    readonly net: Sequential,
    /** Minibatch size. */
    readonly batch: number,
    /** The compiled kernels, instantiated once per memory. */
    private readonly module: object,
    widths: number[],
  ) {
    this.widths = widths;
    const arena = new Arena();
    this.acts = widths.map((w) => arena.alloc(8 * batch * w));
    this.grads = widths.map((w) => arena.alloc(8 * batch * w));
    this.firstAffine = net.layers.findIndex((l) => l instanceof Affine);
    const none = new Float64Array(0);
    this.stages = net.layers.map((layer, l): Stage => {
      if (!(layer instanceof Affine)) return { kind: 'activation', layer: layer as Activation };
      const [d, m] = [widths[l], widths[l + 1]];
      const affine: AffineStage = {
        layer,
        d,
        m,
        w: arena.alloc(8 * d * m),
        scanned: arena.rows(batch, d),
        cval: arena.alloc(8 * batch * d),
        cidx: arena.alloc(4 * batch * d),
        cbegin: arena.alloc(4 * d),
        cend: arena.alloc(4 * d),
        everyX: false,
        dW: arena.alloc(8 * d * m),
        dx: l === this.firstAffine ? null : { wt: arena.alloc(8 * m * d), dout: arena.rows(batch, m) },
        gradW: tensor([d, m]),
        gradB: tensor([m]),
        views: { w: none, dW: none, wt: none },
      };
      return { kind: 'affine', affine };
    });
    this.runRows = { begin: arena.alloc(4 * batch), end: arena.alloc(4 * batch) };
    this.size = arena.size;
    [this.k, this.buffer] = this.bind(this.size);
    this.chunk = new Int32Array(batch);
    const classes = widths[widths.length - 1];
    this.targets = new Float64Array(batch * classes);
    this.probs = new Float64Array(batch * classes);
  }

  /**
   * Trains on rows `rows` of xTrain [N, ...] and tTrain (labels [N] or rows [N, C]): forward in
   * training mode, loss, backward. Returns the loss, and sets every param's grad; the same as
   * net.objective(gatherRows(x, rows), gatherRows(t, rows), true) then net.backward().
   */
  step(xTrain: Tensor, tTrain: Tensor, rows: Int32Array): number {
    const n = xTrain.shape[0];
    if (rows.length !== this.batch) throw new RangeError(`this fast step takes minibatches of ${this.batch} rows, got ${rows.length}`);
    this.checkInputs(xTrain);
    if (tTrain.shape[0] !== n) throw new RangeError(`${n} inputs but ${tTrain.shape[0]} targets`);
    for (let k = 0; k < rows.length; k++) if (!(rows[k] >= 0 && rows[k] < n)) throw new RangeError(`row ${rows[k]} is outside 0..${n - 1}`);
    this.current = this.firstAffine === 0 ? this.listsOf(xTrain, false) : null;
    this.loadWeights();
    this.forward(xTrain, rows, true);
    const loss = this.loss(tTrain, rows);
    for (let l = this.stages.length - 1; l >= this.firstAffine; l--) {
      const stage = this.stages[l];
      if (stage.kind === 'affine') this.affineBackward(stage.affine, l, xTrain, rows);
      else deactivate(stage.layer, this.actViews[l], this.actViews[l + 1], this.gradViews[l + 1], this.gradViews[l]);
    }
    return loss;
  }

  /**
   * accuracy(net.predict(x, false), t) for inputs x [N, ...] and targets t (labels [N] or one-hot
   * rows [N, C]), the same bits, without the [N, C] scores: the forward runs `batch` rows at a time.
   * The first call on x lists its nonzeros (the work of scanning its rows) and keeps them for the next.
   */
  accuracyOn(x: Tensor, t: Tensor): number {
    this.checkInputs(x);
    const n = x.shape[0];
    this.current = this.firstAffine === 0 ? this.listsOf(x, true) : null;
    this.loadWeights();
    const last = this.stages.length;
    let correct = 0;
    for (let from = 0; from < n; from += this.batch) {
      const rows = this.chunk.subarray(0, Math.min(this.batch, n - from));
      for (let k = 0; k < rows.length; k++) rows[k] = from + k;
      this.forward(x, rows, false);
      correct += correctRows(this.actViews[last], rows.length, this.widths[last], t, from);
    }
    return correct / n;
  }

  /** Throws unless x is [N, D] (or [N, ...] of D per row) for the first affine layer's width D. */
  private checkInputs(x: Tensor): void {
    const d0 = this.widths[0];
    if (x.shape.length < 2 || x.data.length !== x.shape[0] * d0) {
      throw new RangeError(`${this.net.layers[this.firstAffine].name} expects inputs [N, ${d0}] (or [N, ...] of ${d0} per row), got [${x.shape.join(', ')}]`);
    }
  }

  /** A new memory of `bytes`, the kernels bound to it, and the views of the step's buffers in it. */
  private bind(bytes: number): [Kernels, ArrayBuffer] {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const buffer = memory.buffer;
    const f64 = (at: number, n: number) => new Float64Array(buffer, at, n);
    this.actViews = this.acts.map((at, l) => f64(at, this.batch * this.widths[l]));
    this.gradViews = this.grads.map((at, l) => f64(at, this.batch * this.widths[l]));
    for (const stage of this.stages) {
      if (stage.kind !== 'affine') continue;
      const a = stage.affine;
      a.views = { w: f64(a.w, a.d * a.m), dW: f64(a.dW, a.d * a.m), wt: a.dx ? f64(a.dx.wt, a.m * a.d) : new Float64Array(0) };
    }
    this.begin = new Int32Array(buffer, this.runRows.begin, this.batch);
    this.end = new Int32Array(buffer, this.runRows.end, this.batch);
    return [new WebAssembly.Instance(this.module, { env: { memory } }).exports as unknown as Kernels, buffer];
  }

  /** Copies rows `rows` of the inputs to activation 0. */
  private gather(x: Tensor, rows: Int32Array): void {
    const d0 = this.widths[0];
    const act = this.actViews[0];
    for (let k = 0; k < rows.length; k++) act.set(x.data.subarray(rows[k] * d0, (rows[k] + 1) * d0), k * d0);
    this.gathered = true;
  }

  /**
   * The lists of x's rows: those already made, or made now when `now` or when x is also the last
   * step's inputs (so that inputs new every step are only scanned); null for inputs never listed.
   */
  private listsOf(x: Tensor, now: boolean): Listed | null {
    const data = x.data;
    const [first, second] = this.listed;
    if (first?.data === data) return first;
    if (second?.data === data) {
      this.listed = [second, first];
      return second;
    }
    if (this.unlisted.has(data)) return null;
    if (!now) {
      const again = data === this.seen;
      this.seen = data;
      if (!again) return null;
    }
    return this.list(x);
  }

  /**
   * Lists the nonzeros of every row of x after the step's buffers, in a new and larger memory that
   * keeps the most recently used lists and drops any other. Null, and x is never listed, when more
   * than half are nonzero (the lists take 12 bytes per nonzero against the inputs' 8 per element)
   * or there is no memory that large.
   */
  private list(x: Tensor): Listed | null {
    const data = x.data;
    let nonzeros = 0;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) nonzeros++;
    if (2 * nonzeros > data.length) {
      this.unlisted.add(data);
      return null;
    }
    const [kept] = this.listed;
    const old = this.buffer;
    // Values then columns, 12 bytes per nonzero; rounded up so that each list starts 16-byte aligned.
    const room = (count: number) => Math.ceil((12 * count) / 16) * 16;
    const keptRoom = kept ? room(kept.nonzeros) : 0;
    try {
      [this.k, this.buffer] = this.bind(this.size + keptRoom + room(nonzeros));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      this.unlisted.add(data); // no memory that large: its rows are scanned each run instead
      return null;
    }
    const { begin, end } = this.runRows;
    const at = (offset: number, count: number): Rows => ({ val: offset, idx: offset + 8 * count, begin, end });
    if (kept) {
      new Uint8Array(this.buffer, this.size, 12 * kept.nonzeros).set(new Uint8Array(old, kept.rows.val, 12 * kept.nonzeros));
      kept.rows = at(this.size, kept.nonzeros);
    }
    const a = (this.stages[0] as { affine: AffineStage }).affine;
    const [n, d, B] = [x.shape[0], a.d, this.batch];
    const lists: Listed = { data, nonzeros, starts: new Int32Array(n + 1), rows: at(this.size + keptRoom, nonzeros) };
    this.listed = kept ? [lists, kept] : [lists];
    // Scans B rows at a time, in activation 0, straight into the lists.
    const ptr = new Int32Array(this.buffer, a.scanned.begin, B + 1);
    for (let from = 0; from < n; from += B) {
      const count = Math.min(B, n - from);
      this.actViews[0].set(data.subarray(from * d, (from + count) * d));
      const base = lists.starts[from];
      this.k.scan(this.acts[0], count, d, 0, lists.rows.val + 8 * base, lists.rows.idx + 4 * base, a.scanned.begin);
      for (let k = 1; k <= count; k++) lists.starts[from + k] = base + ptr[k];
    }
    return lists;
  }

  /** Copies each affine layer's W to the memory, and notes whether it is finite: only then may its product skip zero inputs. */
  private loadWeights(): void {
    for (const stage of this.stages) {
      if (stage.kind !== 'affine') continue;
      const a = stage.affine;
      const [W, b] = [a.layer.params[0].value, a.layer.params[1].value];
      if (W.shape[0] !== a.d || W.shape[1] !== a.m || b.data.length !== a.m) throw new RangeError(`${a.layer.name}: W or b changed shape since the fast step was made`);
      a.views.w.set(W.data);
      a.everyX = this.k.finite(a.w, a.d * a.m) === 0;
    }
  }

  /**
   * Runs every layer on rows `rows` of x: activation l + 1 of row k is layer l's output for input
   * row rows[k]. With `training`, each affine layer also lists its input by column, for dW.
   */
  private forward(x: Tensor, rows: Int32Array, training: boolean): void {
    this.gathered = false;
    if (!this.current) this.gather(x, rows);
    for (let l = 0; l < this.stages.length; l++) {
      const stage = this.stages[l];
      if (stage.kind === 'affine') this.affineForward(stage.affine, l, x, rows, training);
      else activate(stage.layer, this.actViews[l], this.actViews[l + 1], rows.length * this.widths[l]);
    }
  }

  /** Layer l's input listed by row: its nonzeros, or every element when `all`; from x's lists when it can. */
  private listInput(a: AffineStage, l: number, all: boolean, x: Tensor, rows: Int32Array): Rows {
    const current = this.current;
    if (l === 0 && current && !all) {
      for (let k = 0; k < rows.length; k++) {
        this.begin[k] = current.starts[rows[k]];
        this.end[k] = current.starts[rows[k] + 1];
      }
      return current.rows;
    }
    if (l === 0 && !this.gathered) this.gather(x, rows);
    const s = a.scanned;
    this.k.scan(this.acts[l], rows.length, a.d, all ? 1 : 0, s.val, s.idx, s.begin);
    return s;
  }

  /** out = x·W + b for layer l, x's zeros skipped unless W is not finite; `columns` also lists x by column. */
  private affineForward(a: AffineStage, l: number, x: Tensor, rows: Int32Array, columns: boolean): void {
    const input = this.listInput(a, l, a.everyX, x, rows);
    // Listing x by column, for dW = xᵀ·dout, costs little in this pass.
    this.k.spmm(this.acts[l + 1], a.w, 8 * a.m, input.val, input.idx, input.begin, input.end, rows.length, columns ? a.d : 0, a.cval, a.cidx, a.cbegin, a.cend);
    const out = this.actViews[l + 1];
    const bias = a.layer.params[1].value.data;
    for (let r = 0; r < rows.length * a.m; r += a.m) for (let j = 0; j < a.m; j++) out[r + j] += bias[j];
  }

  /** dW = xᵀ·dout, db = Σ over the batch of dout, and dx = dout·Wᵀ unless l is the first affine layer. */
  private affineBackward(a: AffineStage, l: number, xTrain: Tensor, rows: Int32Array): void {
    const B = this.batch;
    const dout = this.grads[l + 1];
    // 0·Inf is NaN: with a non-finite dout, dW needs every term, so the skipped ones are listed too.
    if (!a.everyX && this.k.finite(dout, B * a.m) === 0) {
      const x = this.listInput(a, l, true, xTrain, rows);
      this.k.columns(x.val, x.idx, x.begin, x.end, B, a.d, a.cval, a.cidx, a.cbegin, a.cend);
    }
    this.k.spmm(a.dW, dout, 8 * a.m, a.cval, a.cidx, a.cbegin, a.cend, a.d, 0, 0, 0, 0, 0);
    a.gradW.data.set(a.views.dW);
    const db = a.gradB.data.fill(0);
    const g = this.gradViews[l + 1];
    for (let r = 0; r < g.length; r += a.m) for (let j = 0; j < a.m; j++) db[j] += g[r + j];
    a.layer.params[0].grad = a.gradW;
    a.layer.params[1].grad = a.gradB;
    if (!a.dx) return;
    const { w, wt } = a.views;
    for (let p = 0; p < a.d; p++) for (let j = 0; j < a.m; j++) wt[j * a.d + p] = w[p * a.m + j];
    const nz = a.dx.dout;
    this.k.scan(dout, B, a.m, a.everyX ? 1 : 0, nz.val, nz.idx, nz.begin);
    this.k.spmm(this.grads[l], a.dx.wt, 8 * a.d, nz.val, nz.idx, nz.begin, nz.end, B, 0, 0, 0, 0, 0);
  }

  /** The loss of the last activation against rows `rows` of tTrain; writes its gradient. */
  private loss(tTrain: Tensor, rows: Int32Array): number {
    const B = this.batch;
    const L = this.stages.length;
    const scores = this.actViews[L];
    const dy = this.gradViews[L];
    const t = this.targets;
    const c = this.widths[L];
    const lossLayer = this.net.loss as SoftmaxWithLoss | MSELoss;
    if (tTrain.shape.length === 1) {
      t.fill(0);
      for (let k = 0; k < B; k++) {
        const label = tTrain.data[rows[k]];
        if (!(Number.isInteger(label) && label >= 0 && label < c)) targetError(lossLayer.name, [B, c], tensor([B], Float64Array.from(rows, (r) => tTrain.data[r])));
        t[k * c + label] = 1;
      }
    } else if (tTrain.shape.length === 2 && tTrain.shape[1] === c) {
      for (let k = 0; k < B; k++) t.set(tTrain.data.subarray(rows[k] * c, (rows[k] + 1) * c), k * c);
    } else targetError(lossLayer.name, [B, c], tensor([B, ...tTrain.shape.slice(1)]));

    if (lossLayer instanceof MSELoss) {
      let sum = 0;
      for (let i = 0; i < scores.length; i++) {
        const d = scores[i] - t[i];
        sum += d * d;
      }
      for (let i = 0; i < dy.length; i++) dy[i] = (scores[i] - t[i]) / B;
      return (0.5 * sum) / B;
    }
    // Softmax row by row as SoftmaxWithLoss.forward; then −Σ t·log(y + 1e-7) / N over the terms
    // with t ≠ 0 only: the others are 0·(a finite log) = ±0, unless some y is NaN, and then so is the loss.
    const y = this.probs;
    let nan = false;
    for (let r = 0; r < y.length; r += c) {
      let max = -Infinity;
      for (let j = 0; j < c; j++) max = Math.max(max, scores[r + j]);
      let sum = 0;
      for (let j = 0; j < c; j++) {
        y[r + j] = Math.exp(scores[r + j] - max);
        sum += y[r + j];
      }
      for (let j = 0; j < c; j++) {
        y[r + j] /= sum;
        nan ||= Number.isNaN(y[r + j]);
      }
    }
    let sum = 0;
    for (let i = 0; i < y.length; i++) if (t[i] !== 0) sum += t[i] * Math.log(y[i] + 1e-7);
    for (let i = 0; i < dy.length; i++) dy[i] = (y[i] - t[i]) / B;
    return nan ? NaN : -sum / B;
  }
}

/** Throws the plain path's error for targets it rejects: denseTargets makes it. */
function targetError(name: string, scores: number[], gathered: Tensor): never {
  denseTargets(name, tensor(scores), gathered);
  throw new Error(`${name}: denseTargets accepted targets of shape [${gathered.shape.join(', ')}] that the fast step rejects`);
}

/** out = f(x) for the first n elements, with the elementwise layer's own arithmetic. */
function activate(layer: Activation, x: Float64Array, out: Float64Array, n: number): void {
  if (layer instanceof Relu) for (let i = 0; i < n; i++) out[i] = x[i] <= 0 ? 0 : x[i];
  else if (layer instanceof LeakyRelu) for (let i = 0; i < n; i++) out[i] = x[i] <= 0 ? layer.alpha * x[i] : x[i];
  else if (layer instanceof Sigmoid) for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  else for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
}

/** dx of an elementwise layer of input x and output out, as its backward: ReLU 0 where x <= 0, sigmoid dout·(1 − out)·out, tanh dout·(1 − out²). */
function deactivate(layer: Activation, x: Float64Array, out: Float64Array, dout: Float64Array, dx: Float64Array): void {
  if (layer instanceof Relu) for (let i = 0; i < x.length; i++) dx[i] = x[i] <= 0 ? 0 : dout[i];
  else if (layer instanceof LeakyRelu) for (let i = 0; i < x.length; i++) dx[i] = x[i] <= 0 ? layer.alpha * dout[i] : dout[i];
  else if (layer instanceof Sigmoid) for (let i = 0; i < x.length; i++) dx[i] = dout[i] * (1.0 - out[i]) * out[i];
  else for (let i = 0; i < x.length; i++) dx[i] = dout[i] * (1 - out[i] * out[i]);
}

/** Whether the fast step runs `layer`. */
function supported(layer: Layer): boolean {
  return layer instanceof Affine || layer instanceof Relu || layer instanceof LeakyRelu || layer instanceof Sigmoid || layer instanceof Tanh;
}

/**
 * A fast step for `net` at minibatch size `batch`, or null when a layer or the loss is not supported
 * (only affine, relu, leaky-relu, sigmoid and tanh layers with softmax-with-loss or mse are), when
 * there is no affine layer or their widths do not chain, or when WebAssembly SIMD is missing. The
 * caller then uses the plain path.
 */
export function fastStep(net: Sequential, batch: number): FastStep | null {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  if (!(net.loss instanceof SoftmaxWithLoss || net.loss instanceof MSELoss) || !net.layers.every(supported)) return null;
  const first = net.layers.find((l): l is Affine => l instanceof Affine);
  if (!first) return null;
  const widths = [first.params[0].value.shape[0]];
  for (const layer of net.layers) {
    const w = widths[widths.length - 1];
    if (!(layer instanceof Affine)) widths.push(w);
    else if (layer.params[0].value.shape[0] === w) widths.push(layer.params[0].value.shape[1]);
    else return null;
  }
  const module = kernelModule();
  if (!module) return null;
  try {
    return new FastStep(net, batch, module, widths);
  } catch (e) {
    if (e instanceof RangeError) return null; // a memory too large to allocate
    throw e;
  }
}
