// The few dense kernels layers need. Loops run i-k-j (or keep the inner loop on contiguous rows)
// so every inner loop walks memory in order; nothing allocates per element. The matrix products
// take four rows of one operand per pass, which saves loads and stores, while each sum still adds
// its terms one at a time in index order: the results are the bits of the plain loops.
import { sizeOf, tensor, type Tensor } from './tensor';

/** A tensor of the given shape with every element set to `value`. */
export function filled(shape: readonly number[], value: number): Tensor {
  return tensor(shape, new Float64Array(sizeOf(shape)).fill(value));
}

/** The same data under a new shape of equal size (shared, not copied: tensors are never written after creation). */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  return tensor(shape, t.data);
}

/** Flattens rank ≥ 2 to [N, rest], as the book's Affine does; rank 1 is taken as one row. */
export function flatten2d(t: Tensor): Tensor {
  if (t.shape.length === 2) return t;
  if (t.shape.length === 0) throw new RangeError('expected a tensor of rank ≥ 1, got a scalar');
  const n = t.shape.length === 1 ? 1 : t.shape[0];
  return reshape(t, [n, n === 0 ? 0 : t.data.length / n]);
}

/** a·b for a [M, K] and b [K, N], giving [M, N]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [m, k] = dims2(a, 'matmul a');
  const [k2, n] = dims2(b, 'matmul b');
  if (k !== k2) throw new RangeError(`matmul: [${m}, ${k}]·[${k2}, ${n}] inner sizes differ`);
  const out = new Float64Array(m * n);
  const ad = a.data;
  const bd = b.data;
  const k4 = k - (k % 4);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    const ra = i * k;
    let p = 0;
    for (; p < k4; p += 4) {
      const a0 = ad[ra + p];
      const a1 = ad[ra + p + 1];
      const a2 = ad[ra + p + 2];
      const a3 = ad[ra + p + 3];
      const r0 = p * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (let j = 0; j < n; j++) out[o + j] = out[o + j] + a0 * bd[r0 + j] + a1 * bd[r1 + j] + a2 * bd[r2 + j] + a3 * bd[r3 + j];
    }
    for (; p < k; p++) {
      const aip = ad[ra + p];
      const r = p * n;
      for (let j = 0; j < n; j++) out[o + j] += aip * bd[r + j];
    }
  }
  return tensor([m, n], out);
}

/** a·bᵀ for a [M, N] and b [K, N], giving [M, K] (dx = dout·Wᵀ). */
export function matmulTransB(a: Tensor, b: Tensor): Tensor {
  const [m, n] = dims2(a, 'matmulTransB a');
  const [k, n2] = dims2(b, 'matmulTransB b');
  if (n !== n2) throw new RangeError(`matmulTransB: [${m}, ${n}]·[${k}, ${n2}]ᵀ inner sizes differ`);
  const out = new Float64Array(m * k);
  const ad = a.data;
  const bd = b.data;
  const k4 = k - (k % 4);
  for (let i = 0; i < m; i++) {
    const ra = i * n;
    const o = i * k;
    let p = 0;
    for (; p < k4; p += 4) {
      const r0 = p * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < n; j++) {
        const aj = ad[ra + j];
        s0 += aj * bd[r0 + j];
        s1 += aj * bd[r1 + j];
        s2 += aj * bd[r2 + j];
        s3 += aj * bd[r3 + j];
      }
      out[o + p] = s0;
      out[o + p + 1] = s1;
      out[o + p + 2] = s2;
      out[o + p + 3] = s3;
    }
    for (; p < k; p++) {
      const rb = p * n;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += ad[ra + j] * bd[rb + j];
      out[o + p] = sum;
    }
  }
  return tensor([m, k], out);
}

/** aᵀ·b for a [M, K] and b [M, N], giving [K, N] (dW = xᵀ·dout). */
export function matmulTransA(a: Tensor, b: Tensor): Tensor {
  const [m, k] = dims2(a, 'matmulTransA a');
  const [m2, n] = dims2(b, 'matmulTransA b');
  if (m !== m2) throw new RangeError(`matmulTransA: [${m}, ${k}]ᵀ·[${m2}, ${n}] outer sizes differ`);
  const out = new Float64Array(k * n);
  const ad = a.data;
  const bd = b.data;
  const m4 = m - (m % 4);
  let i = 0;
  for (; i < m4; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let p = 0; p < k; p++) {
      const a0 = ad[i * k + p];
      const a1 = ad[(i + 1) * k + p];
      const a2 = ad[(i + 2) * k + p];
      const a3 = ad[(i + 3) * k + p];
      const o = p * n;
      for (let j = 0; j < n; j++) out[o + j] = out[o + j] + a0 * bd[r0 + j] + a1 * bd[r1 + j] + a2 * bd[r2 + j] + a3 * bd[r3 + j];
    }
  }
  for (; i < m; i++) {
    const rb = i * n;
    for (let p = 0; p < k; p++) {
      const aip = ad[i * k + p];
      const o = p * n;
      for (let j = 0; j < n; j++) out[o + j] += aip * bd[rb + j];
    }
  }
  return tensor([k, n], out);
}

/** Sums of each column of a [M, N] tensor, giving [N] (db = Σ over the batch of dout). */
export function columnSums(a: Tensor): Tensor {
  const [m, n] = dims2(a, 'columnSums');
  const out = new Float64Array(n);
  const ad = a.data;
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) out[j] += ad[r + j];
  }
  return tensor([n], out);
}

/** Checks that `t` is a matrix and returns its sizes. */
function dims2(t: Tensor, what: string): [number, number] {
  if (t.shape.length !== 2) throw new RangeError(`${what}: expected a matrix, got shape [${t.shape.join(', ')}]`);
  return [t.shape[0], t.shape[1]];
}
