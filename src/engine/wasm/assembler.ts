// A minimal WebAssembly assembler: each helper returns the bytes of one folded instruction (its
// operands' code, then its own), so kernels read as nested expressions. Opcodes are those of the
// WebAssembly core spec and its fixed-width SIMD extension.

export type Code = number[];

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

/** The instruction `code` after the code of its operands. */
const op = (code: number | Code) => (...args: Code[]): Code => [...args.flat(), ...(typeof code === 'number' ? [code] : code)];
const simd = (code: number) => op([0xfd, ...uleb(code)]);
export const get = (l: number): Code => [0x20, l];
export const set = (l: number, x: Code): Code => [...x, 0x21, l];
export const i32 = (n: number): Code => [0x41, ...sleb(n)];
export const f64zero: Code = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
export const add = op(0x6a);
export const sub = op(0x6b);
export const mul = op(0x6c);
export const and = op(0x71);
export const or = op(0x72);
export const shl = op(0x74);
export const i32Eqz = op(0x45);
export const ltS = op(0x48);
export const ltU = op(0x49);
export const ctz = op(0x68);
export const fadd = op(0xa0);
export const fsub = op(0xa1);
export const fmul = op(0xa2);
export const feq = op(0x61);
export const fne = op(0x62);
export const fle = op(0x65);
export const f64FromI32 = op(0xb7);
export const i32FromF64 = op(0xaa);
/** select(a, b, cond): a when cond is nonzero, else b. */
export const select = op(0x1b);
export const vadd = simd(0xf0);
export const vsub = simd(0xf1);
export const vmul = simd(0xf2);
export const veq = simd(0x47);
export const vne = simd(0x48);
export const vgt = simd(0x4a);
export const vle = simd(0x4b);
export const vand = simd(0x4e);
/** a & ~b. */
export const vandnot = simd(0x4f);
export const vor = simd(0x50);
/** bitselect(a, b, mask): a where mask's bits are set, else b. */
export const bitselect = simd(0x52);
/** Both lanes of a v128 set to an f64. */
export const vsplat = simd(0x14);
export const extractLane = (v: Code, lane: 0 | 1): Code => [...v, 0xfd, 0x21, lane];
export const replaceLane = (v: Code, lane: 0 | 1, x: Code): Code => [...v, ...x, 0xfd, 0x22, lane];
/** i8x16.shuffle of a and b by 16 byte indices (0-15 a's, 16-31 b's); as f64 lanes, lanes([i, j]) picks lane i and j of a‖b. */
export const shuffle = (a: Code, b: Code, lanes: [number, number]): Code => [...a, ...b, 0xfd, 0x0d, ...lanes.flatMap((l) => Array.from({ length: 8 }, (_, k) => 8 * l + k))];
export const allTrue = simd(0xc3);
export const bitmask = simd(0xc4);
/** Memory access with alignment log2 `align` at byte offset `offset` from `addr`. */
const mem = (code: Code, align: number) => (addr: Code, offset = 0, value: Code = []): Code => [...addr, ...value, ...code, align, ...uleb(offset)];
export const load32 = mem([0x28], 2);
export const store32 = (addr: Code, value: Code, offset = 0) => mem([0x36], 2)(addr, offset, value);
export const loadF = mem([0x2b], 3);
export const storeF = (addr: Code, value: Code, offset = 0) => mem([0x39], 3)(addr, offset, value);
export const loadV = mem([0xfd, 0x00], 4);
export const splat = mem([0xfd, 0x0a], 3);
export const storeV = (addr: Code, value: Code, offset = 0) => mem([0xfd, 0x0b], 4)(addr, offset, value);
export const v128zero: Code = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
export const v128ones: Code = [0xfd, 0x0c, ...new Array<number>(16).fill(0xff)];
/** memory.fill of n bytes at dst with zeros. */
export const fill = (dst: Code, n: Code): Code => [...dst, ...i32(0), ...n, 0xfc, 0x0b, 0x00];
/** while (cond) body: block, loop, br_if out on !cond, body, br to the loop. */
export const whileLoop = (cond: Code, ...body: Code[]): Code => [0x02, 0x40, 0x03, 0x40, ...cond, 0x45, 0x0d, 1, ...body.flat(), 0x0c, 0, 0x0b, 0x0b];
/** if (cond) body. */
export const ifThen = (cond: Code, ...body: Code[]): Code => [...cond, 0x04, 0x40, ...body.flat(), 0x0b];
/** local += by. */
export const inc = (l: number, by: number): Code => set(l, add(get(l), i32(by)));

// Value types.
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** A function of i32 parameters and typed locals, both named. */
export interface Func {
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
export function func<P extends string, L extends string>(name: string, params: readonly P[], locals: Record<L, number>, returns: boolean, body: (v: Record<P | L, number>) => Code[]): Func {
  const names = [...params, ...(Object.keys(locals) as L[])];
  const v = Object.fromEntries(names.map((n, i) => [n, i])) as Record<P | L, number>;
  return { name, params: params.length, locals: Object.values<number>(locals), returns, body: body(v).flat() };
}

/** A module of `funcs` that imports its memory as env.memory. */
export function wasmModule(funcs: Func[]): Uint8Array {
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
