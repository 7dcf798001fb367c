// The fast step's WebAssembly SIMD kernels (two float64 lanes per instruction, about 3× as fast as
// the same loops in JavaScript): products of a matrix listed by its nonzeros with a dense one, and
// the listing of nonzeros by row and by column that they read. Addresses are in bytes; index arrays
// are i32, values f64.
import {
  type Code, get, set, i32, f64zero, add, sub, mul, and, or, shl, i32Eqz, ltS, ltU, ctz, fadd, fsub, fmul, feq, fne, fle, f64FromI32, i32FromF64, select, vadd, vsub, vmul, veq, vne,
  vgt, vle, vand, vandnot, vor, bitselect, vsplat, extractLane, replaceLane, shuffle, allTrue, bitmask, load32, store32, loadF, storeF, loadV, splat, storeV, v128zero, v128ones,
  fill, whileLoop, ifThen, inc, I32, F64, V128, func, wasmModule,
} from './assembler';

/** The part of the WebAssembly API used here (the engine's tsconfig has no DOM lib). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
};

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
 * spmm(c, b, bytes, val, idx, begin, end, rows, accumulate): for each r < rows, row r of C (+)=
 * Σ over e in [begin[r], end[r]) of val[e]·(row idx[e] of B), the terms added one at a time in
 * order, onto 0 or (with `accumulate`) onto what C holds; rows of B and C are `bytes` wide. Four
 * terms per pass over the row, two columns per instruction, and the last column of an odd width in
 * the same pass.
 */
const spmm = func(
  'spmm',
  ['c', 'b', 'bytes', 'val', 'idx', 'begin', 'end', 'rows', 'accumulate'],
  { r: I32, o: I32, e: I32, stop: I32, e4: I32, j: I32, vb: I32, vb32: I32, odd: I32, r0: I32, r1: I32, r2: I32, r3: I32, a0: V128, a1: V128, a2: V128, a3: V128, s: F64 },
  false,
  (v) => {
    const column = (k: number): Code => load32(add(get(v.idx), shl(get(v.e), i32(2))), 4 * k);
    const rowOf = (k: number): Code => add(get(v.b), mul(column(k), get(v.bytes)));
    const term = (a: number, row: number, offset: number): Code => vmul(get(a), loadV(add(get(row), get(v.j)), offset));
    const out = (offset: number): Code => loadV(add(get(v.o), get(v.j)), offset);
    // The odd last column's term of row `row` (its value is lane 0 of `a`).
    const last = (a: number, row: number): Code => fmul(extractLane(get(a), 0), loadF(add(get(row), get(v.vb))));
    // body(offset) for each column pair; two pairs per pass, which halves the loop's own instructions.
    const eachColumnPair = (body: (offset: number) => Code): Code => [
      ...set(v.j, i32(0)),
      ...whileLoop(ltU(get(v.j), get(v.vb32)), body(0), body(16), inc(v.j, 32)),
      ...ifThen(and(get(v.bytes), i32(16)), body(0)),
    ];
    return [
      set(v.vb, and(get(v.bytes), i32(-16))),
      set(v.vb32, and(get(v.bytes), i32(-32))),
      set(v.odd, and(get(v.bytes), i32(8))),
      whileLoop(
        ltU(get(v.r), get(v.rows)),
        set(v.o, add(get(v.c), mul(get(v.r), get(v.bytes)))),
        ifThen(i32Eqz(get(v.accumulate)), fill(get(v.o), get(v.bytes))),
        ifThen(get(v.odd), set(v.s, loadF(add(get(v.o), get(v.vb))))),
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
          ifThen(get(v.odd), set(v.s, fadd(fadd(fadd(fadd(get(v.s), last(v.a0, v.r0)), last(v.a1, v.r1)), last(v.a2, v.r2)), last(v.a3, v.r3)))),
          inc(v.e, 4),
        ),
        whileLoop(
          ltU(get(v.e), get(v.stop)),
          set(v.a0, splat(add(get(v.val), shl(get(v.e), i32(3))))),
          set(v.r0, rowOf(0)),
          eachColumnPair((at) => storeV(add(get(v.o), get(v.j)), vadd(out(at), term(v.a0, v.r0, at)), at)),
          ifThen(get(v.odd), set(v.s, fadd(get(v.s), last(v.a0, v.r0)))),
          inc(v.e, 1),
        ),
        ifThen(get(v.odd), storeF(add(get(v.o), get(v.vb)), get(v.s))),
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

/**
 * masked(x, y, dst, n): dst = y where x > 0, else 0, for n doubles: with y = x it is ReLU's forward,
 * with y = dout its backward. Masked exactly where ReLU's reluMasks is (x <= 0: 0 and −0, not NaN),
 * and the 0 is +0, so the bits are those of relu and reluDx.
 */
const masked = func('masked', ['x', 'y', 'dst', 'n'], { stop: I32 }, false, (v) => [
  set(v.stop, add(get(v.x), shl(and(get(v.n), i32(-2)), i32(3)))),
  whileLoop(
    ltU(get(v.x), get(v.stop)),
    storeV(get(v.dst), vandnot(loadV(get(v.y)), vle(loadV(get(v.x)), v128zero))),
    inc(v.x, 16),
    inc(v.y, 16),
    inc(v.dst, 16),
  ),
  ifThen(and(get(v.n), i32(1)), storeF(get(v.dst), select(f64zero, loadF(get(v.y)), fle(loadF(get(v.x)), f64zero)))),
]);

/**
 * pool(x, planes, planeBytes, table, size, outputs, out, argmax, zero): max pooling of `planes`
 * planes of x [planes, planeBytes / 8], two planes at a time, one per lane. Output o of a plane
 * looks at the `size` elements at byte offsets table[o·size ..] in its plane, in that order (−1 is
 * the padding, read as the 0 at `zero`), and takes the first maximum by the rule of pooling.ts's
 * beats(): a larger value or a NaN wins, unless the best so far is NaN. Its offset goes to argmax.
 */
const pool = func(
  'pool',
  ['x', 'planes', 'planeBytes', 'table', 'size', 'outputs', 'out', 'argmax', 'zero'],
  { pl: I32, base: I32, second: I32, o: I32, k: I32, t: I32, entry: I32, at: I32, pair: I32, v: V128, best: V128, off: V128, take: V128 },
  false,
  (v) => {
    const from = (plane: Code): Code => select(get(v.zero), add(plane, get(v.t)), ltS(get(v.t), i32(0)));
    // v = element k of the window in both planes (the second is the first again after an odd last plane).
    const element: Code[] = [set(v.t, load32(get(v.entry))), set(v.v, replaceLane(splat(from(get(v.base))), 1, loadF(from(add(get(v.base), get(v.second)))))), inc(v.entry, 4)];
    const store = (lane: 0 | 1, at: Code): Code => [...storeF(add(get(v.out), shl(at, i32(3))), extractLane(get(v.best), lane)), ...store32(add(get(v.argmax), shl(at, i32(2))), i32FromF64(extractLane(get(v.off), lane)))];
    return [
      whileLoop(
        ltU(get(v.pl), get(v.planes)),
        set(v.base, add(get(v.x), mul(get(v.pl), get(v.planeBytes)))),
        set(v.pair, ltU(add(get(v.pl), i32(1)), get(v.planes))),
        set(v.second, select(get(v.planeBytes), i32(0), get(v.pair))),
        set(v.entry, get(v.table)),
        set(v.o, i32(0)),
        whileLoop(
          ltU(get(v.o), get(v.outputs)),
          ...element,
          set(v.best, get(v.v)),
          set(v.off, v128zero),
          set(v.k, i32(1)),
          whileLoop(
            ltU(get(v.k), get(v.size)),
            ...element,
            set(v.take, vand(veq(get(v.best), get(v.best)), vor(vgt(get(v.v), get(v.best)), vne(get(v.v), get(v.v))))),
            set(v.best, bitselect(get(v.v), get(v.best), get(v.take))),
            set(v.off, bitselect(vsplat(f64FromI32(get(v.k))), get(v.off), get(v.take))),
            inc(v.k, 1),
          ),
          set(v.at, add(mul(get(v.pl), get(v.outputs)), get(v.o))),
          store(0, get(v.at)),
          ifThen(get(v.pair), store(1, add(get(v.at), get(v.outputs)))),
          inc(v.o, 1),
        ),
        inc(v.pl, 2),
      ),
    ];
  },
);

/**
 * gather(x, table, n, dst, zero): dst[q] = the double at byte offset table[q] from x, for q < n
 * (−1: the padding, the 0 at `zero`): im2col of one sample, through the table im2col makes.
 */
const gather = func('gather', ['x', 'table', 'n', 'dst', 'zero'], { stop: I32, t: I32, u: I32 }, false, (v) => {
  const from = (t: number): Code => select(get(v.zero), add(get(v.x), get(t)), ltS(get(t), i32(0)));
  return [
    // Two per pass, one SIMD store; then the odd last one.
    set(v.stop, add(get(v.table), shl(and(get(v.n), i32(-2)), i32(2)))),
    whileLoop(
      ltU(get(v.table), get(v.stop)),
      set(v.t, load32(get(v.table))),
      set(v.u, load32(get(v.table), 4)),
      storeV(get(v.dst), replaceLane(splat(from(v.t)), 1, loadF(from(v.u)))),
      inc(v.table, 8),
      inc(v.dst, 16),
    ),
    ifThen(and(get(v.n), i32(1)), set(v.t, load32(get(v.table))), storeF(get(v.dst), loadF(from(v.t)))),
  ];
});

/**
 * unpool(dout, planes, planeBytes, table, size, outputs, argmax, dx): dx = 0 over `planes` planes,
 * then each output o of each plane adds dout[o] at its window's element argmax[o] (table as pool
 * reads it; nothing for the padding). For windows that do not overlap: each pixel gets one term at most.
 */
const unpool = func('unpool', ['dout', 'planes', 'planeBytes', 'table', 'size', 'outputs', 'argmax', 'dx'], { pl: I32, base: I32, o: I32, t: I32, at: I32 }, false, (v) => [
  fill(get(v.dx), mul(get(v.planes), get(v.planeBytes))),
  whileLoop(
    ltU(get(v.pl), get(v.planes)),
    set(v.base, add(get(v.dx), mul(get(v.pl), get(v.planeBytes)))),
    set(v.o, i32(0)),
    whileLoop(
      ltU(get(v.o), get(v.outputs)),
      set(v.t, load32(add(get(v.table), shl(add(mul(get(v.o), get(v.size)), load32(get(v.argmax))), i32(2))))),
      ifThen(ltS(i32(-1), get(v.t)), set(v.at, add(get(v.base), get(v.t))), storeF(get(v.at), fadd(loadF(get(v.at)), loadF(get(v.dout))))),
      inc(v.argmax, 4),
      inc(v.dout, 8),
      inc(v.o, 1),
    ),
    inc(v.pl, 1),
  ),
]);

/**
 * transpose(src, rows, cols, bias, dst): dst [cols, rows] = srcᵀ with bias[c] added to row c, for
 * src [rows, cols]: 2×2 blocks (two rows of two columns in, two shuffles, two rows out), then the
 * odd last column and row on their own.
 */
const transpose = func(
  'transpose',
  ['src', 'rows', 'cols', 'bias', 'dst'],
  { r: I32, c: I32, r2: I32, c2: I32, a: I32, d: I32, top: V128, bottom: V128 },
  false,
  (v) => {
    const srcAt = (r: Code, c: Code): Code => add(get(v.src), shl(add(mul(r, get(v.cols)), c), i32(3)));
    const dstAt = (c: Code, r: Code): Code => add(get(v.dst), shl(add(mul(c, get(v.rows)), r), i32(3)));
    const biasOf = (c: Code): Code => loadF(add(get(v.bias), shl(c, i32(3))));
    const single = (r: Code, c: Code): Code => storeF(dstAt(c, r), fadd(loadF(srcAt(r, c)), biasOf(c)));
    return [
      set(v.r2, and(get(v.rows), i32(-2))),
      set(v.c2, and(get(v.cols), i32(-2))),
      whileLoop(
        ltU(get(v.c), get(v.c2)),
        set(v.r, i32(0)),
        whileLoop(
          ltU(get(v.r), get(v.r2)),
          set(v.a, srcAt(get(v.r), get(v.c))),
          set(v.top, loadV(get(v.a))),
          set(v.bottom, loadV(add(get(v.a), shl(get(v.cols), i32(3))))),
          set(v.d, dstAt(get(v.c), get(v.r))),
          storeV(get(v.d), vadd(shuffle(get(v.top), get(v.bottom), [0, 2]), splat(add(get(v.bias), shl(get(v.c), i32(3)))))),
          storeV(add(get(v.d), shl(get(v.rows), i32(3))), vadd(shuffle(get(v.top), get(v.bottom), [1, 3]), splat(add(get(v.bias), shl(get(v.c), i32(3))), 8))),
          inc(v.r, 2),
        ),
        inc(v.c, 2),
      ),
      ifThen(ltU(get(v.c2), get(v.cols)), set(v.r, i32(0)), whileLoop(ltU(get(v.r), get(v.r2)), single(get(v.r), get(v.c2)), inc(v.r, 1))),
      ifThen(ltU(get(v.r2), get(v.rows)), set(v.c, i32(0)), whileLoop(ltU(get(v.c), get(v.cols)), single(get(v.r2), get(v.c)), inc(v.c, 1))),
    ];
  },
);

/** The kernels' exports. */
export interface Kernels {
  spmm(c: number, b: number, bytes: number, val: number, idx: number, begin: number, end: number, rows: number, accumulate: number): void;
  scan(src: number, rows: number, width: number, all: number, val: number, idx: number, ptr: number): void;
  columns(val: number, idx: number, begin: number, end: number, rows: number, width: number, cval: number, cidx: number, cbegin: number, cend: number): void;
  finite(ptr: number, n: number): number;
  masked(x: number, y: number, dst: number, n: number): void;
  pool(x: number, planes: number, planeBytes: number, table: number, size: number, outputs: number, out: number, argmax: number, zero: number): void;
  gather(x: number, table: number, n: number, dst: number, zero: number): void;
  unpool(dout: number, planes: number, planeBytes: number, table: number, size: number, outputs: number, argmax: number, dx: number): void;
  transpose(src: number, rows: number, cols: number, bias: number, dst: number): void;
}

/** kernelModule()'s answer; undefined until first asked. */
let compiled: object | null | undefined;

/** The kernels' module, compiled once; null where WebAssembly SIMD is missing. */
export function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(wasmModule([spmm, scan, columns, finite, masked, pool, gather, unpool, transpose]));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A new memory of `bytes` and the kernels of `module` bound to it. Throws a RangeError when there is no memory that large. */
export function instantiate(module: object, bytes: number): { kernels: Kernels; buffer: ArrayBuffer } {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  return { kernels: new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Kernels, buffer: memory.buffer };
}
