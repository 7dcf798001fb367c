// Dense float64 tensors in row-major (C) order. No imports: the engine is pure math.

/** A row-major float64 array with a shape. `data.length` always equals the product of `shape`. */
export interface Tensor {
  /** Sizes of each axis, outermost first. A scalar has shape []. */
  readonly shape: readonly number[];
  /** The elements in row-major order. */
  readonly data: Float64Array;
}

/** Number of elements a shape holds. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The per-axis index of row-major position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis];
    flat = Math.floor(flat / shape[axis]);
  }
  return index;
}

/** A tensor of the given shape; takes ownership of `data` when given, else zero-filled. */
export function tensor(shape: readonly number[], data?: Float64Array): Tensor {
  const n = sizeOf(shape);
  if (data && data.length !== n) throw new RangeError(`shape [${shape.join(', ')}] needs ${n} elements, got ${data.length}`);
  return { shape: [...shape], data: data ?? new Float64Array(n) };
}

/** A zero tensor of the given shape. */
export function zeros(shape: readonly number[]): Tensor {
  return tensor(shape);
}

/** A deep copy, so later writes to either never reach the other. */
export function clone(t: Tensor): Tensor {
  return { shape: [...t.shape], data: t.data.slice() };
}

/** A tensor from nested number arrays (rectangular); the shape is read off the nesting. */
export function fromNested(values: unknown): Tensor {
  const shape: number[] = [];
  let level: unknown = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const data = new Float64Array(sizeOf(shape));
  let i = 0;
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      data[i++] = v as number;
      return;
    }
    const arr = v as unknown[];
    if (!Array.isArray(arr) || arr.length !== shape[depth]) throw new RangeError('ragged nested array');
    for (const item of arr) walk(item, depth + 1);
  };
  walk(values, 0);
  return { shape, data };
}

/** Nested arrays of numbers for a tensor (for JSON reports). */
export function toNested(t: Tensor): unknown {
  if (t.shape.length === 0) return t.data[0];
  let i = 0;
  const build = (depth: number): unknown[] => {
    const out: unknown[] = [];
    for (let k = 0; k < t.shape[depth]; k++) out.push(depth === t.shape.length - 1 ? t.data[i++] : build(depth + 1));
    return out;
  };
  return build(0);
}
