// Hostile files and hostile sizes: data files are checked before they are read (only regular files,
// the .npy header before its data, inside the workspace when confined), and a run's memory is
// estimated from its shapes before it starts. Each refusal is a located problem, never a hang.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { CustomLayer, CustomLayerError } from '../../src/engine/layers/custom';
import { EngineClient } from '../../src/extension/engine-client';
import { engineMemory, openDataFile } from '../../src/node-io';
import { loadSpec, memoryFile, type DataFile, type SpecIO } from '../../src/spec/index';
import { expectProblem, npyF8, rangeOf } from './spec-helpers';

const root = resolve(__dirname, '..', '..', '..');
const folder = mkdtempSync(join(tmpdir(), 'backprop-files-'));
const outside = mkdtempSync(join(tmpdir(), 'backprop-outside-'));
writeFileSync(join(folder, 'x.npy'), npyF8([2, 2], [1, -2, 3, -4]));
writeFileSync(join(outside, 'secret.npy'), npyF8([2, 2], [5, 6, 7, 8]));
symlinkSync(join(outside, 'secret.npy'), join(folder, 'escape.npy'));
symlinkSync(join(folder, 'x.npy'), join(folder, 'alias.npy'));
mkdirSync(join(folder, 'adir'));

/** The IO the CLI builds: files relative to `folder`, confined to it when `confine`. */
const nodeIO = (confine = false): SpecIO => ({
  openFile: (path) => openDataFile(folder, path, confine ? [folder] : null),
  mnist: () => new Uint8Array(),
  memory: engineMemory(),
});

const fileSpec = (path: string, extra = '') => `input: { file: ${path} }\nlayers: [relu]\n${extra}`;

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
};

/** A .npy header declaring `shape` of float64, and the file truncated (sparse, no disk) to the size it declares. */
function sparseNpy(name: string, shape: number[], declaredBytes = shape.reduce((a, b) => a * b, 8)): string {
  const header = npyF8(shape, []);
  const file = join(folder, name);
  writeFileSync(file, header);
  truncateSync(file, header.length + declaredBytes);
  return file;
}

test('/dev/zero and a directory are refused on the file: value, at once', () => {
  for (const [path, why] of [
    ['/dev/zero', 'it is a device; data files must be regular files'],
    ['adir', 'it is a directory; data files must be regular files'],
  ]) {
    const text = fileSpec(path);
    const started = performance.now();
    const loaded = loadSpec(text, 'f.backprop.yaml', nodeIO());
    assert.ok(performance.now() - started < 1000, `${path} took ${performance.now() - started} ms`);
    expectProblem(loaded.problems, `cannot read ${path}: ${why}`, rangeOf(text, path));
  }
});

test('a FIFO is refused, not waited on: the CLI exits 2 on its line', () => {
  const fifo = join(folder, 'pipe.npy');
  const made = spawnSync('mkfifo', [fifo], { timeout: 5000 });
  assert.equal(made.status, 0, String(made.stderr));
  const spec = join(folder, 'fifo.backprop.yaml');
  writeFileSync(spec, fileSpec('pipe.npy'));
  const r = cli('run', spec);
  assert.equal(r.signal, null, 'the CLI hung on the FIFO');
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `${spec}:1:16: error: cannot read pipe.npy: it is a FIFO (named pipe); data files must be regular files\n`);
});

test('a sparse .npy declaring 2 GB is refused from its header: nothing past it is read, fast, with no jump in memory', () => {
  sparseNpy('huge.npy', [16000, 16000]);
  for (const [extra, message] of [
    ['', 'huge.npy has shape [16000, 16000]: 256,000,000 elements, over the limit of 50,000,000 (limits.maxElements)'],
    ['limits: { maxElements: 3e8 }\n', 'huge.npy of shape [16000, 16000] would need 2.05 GB, over the limit of 1 GB (limits.maxBytes)'],
  ]) {
    const text = fileSpec('huge.npy', extra);
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const loaded = loadSpec(text, 'f.backprop.yaml', nodeIO());
    const ms = performance.now() - started;
    expectProblem(loaded.problems, message, rangeOf(text, 'huge.npy'));
    assert.ok(ms < 500, `took ${ms} ms`);
    assert.ok(process.memoryUsage().rss - rss < 50e6, `RSS grew by ${process.memoryUsage().rss - rss} bytes`);
  }
});

test('the header is read first, and the data only once its size is checked against the limit and the file', () => {
  const reads: [number, number][] = [];
  const counting = (bytes: Uint8Array): DataFile => {
    const file = memoryFile(bytes);
    return { ...file, read: (position, length) => (reads.push([position, length]), file.read(position, length)) };
  };
  const header = npyF8([1000, 1000], []);
  const io: SpecIO = { openFile: () => counting(header), mnist: () => new Uint8Array() };
  const tooBig = fileSpec('x.npy', 'limits: { maxElements: 10 }\n');
  expectProblem(loadSpec(tooBig, 'f.backprop.yaml', io).problems, 'x.npy has shape [1000, 1000]: 1,000,000 elements, over the limit of 10 (limits.maxElements)', rangeOf(tooBig, 'x.npy'));
  assert.deepEqual(reads, [[0, 12], [0, header.length]]);
  reads.length = 0;
  // Within the limit, but the file stops at the header: said so without reading further.
  const truncated = fileSpec('x.npy');
  expectProblem(loadSpec(truncated, 'f.backprop.yaml', io).problems, 'x.npy: truncated .npy data: shape [1000, 1000] needs 8,000,000 bytes, the file has 0', rangeOf(truncated, 'x.npy'));
  assert.deepEqual(reads, [[0, 12], [0, header.length]]);
});

test('confined (the CLI with --confine, Restricted Mode): a symlink out of the folder is refused; one inside and plain files are read', () => {
  const escape = fileSpec('escape.npy');
  const message = `cannot read escape.npy: it resolves to ${join(outside, 'secret.npy')}, outside the folder ${folder}; only files inside may be read here`;
  expectProblem(loadSpec(escape, 'f.backprop.yaml', nodeIO(true)).problems, message, rangeOf(escape, 'escape.npy'));
  const up = fileSpec(`../${basename(outside)}/secret.npy`);
  assert.match(loadSpec(up, 'f.backprop.yaml', nodeIO(true)).problems[0].message, /outside the folder/);
  assert.deepEqual(loadSpec(escape, 'f.backprop.yaml', nodeIO(false)).x?.data, Float64Array.of(5, 6, 7, 8));
  for (const path of ['x.npy', 'alias.npy']) assert.deepEqual(loadSpec(fileSpec(path), 'f.backprop.yaml', nodeIO(true)).x?.data, Float64Array.of(1, -2, 3, -4));

  const spec = join(folder, 'escape.backprop.yaml');
  writeFileSync(spec, escape);
  const confined = cli('run', spec, '--confine');
  assert.equal(confined.code, 2);
  assert.equal(confined.stderr, `${spec}:1:16: error: ${message}\n`);
  assert.equal(cli('run', spec).code, 0);
});

test('Restricted Mode: the engine client confines the worker to the workspace folders', async () => {
  for (const trusted of [false, true]) {
    const engine = new EngineClient({ workerPath: join(root, 'dist', 'worker.js'), mnistPath: join(root, 'dist', 'mnist-digits.bin'), userCodeLimitMs: () => 10_000, trusted: () => trusted, workspaceFolders: () => [folder] });
    try {
      const request = { type: 'run' as const, check: false, thresholds: DEFAULT_THRESHOLDS };
      const end = await engine.start('k', { text: fileSpec('escape.npy'), fileName: 'e.backprop.yaml', folder }, request, [], () => {}).ended;
      if (trusted) assert.deepEqual(end, { status: 'finished' });
      else assert.match(end.status === 'problems' ? end.errors[0].message : '', /^cannot read escape\.npy: it resolves to .*, outside the folder /);
    } finally {
      engine.dispose();
    }
  }
});

const net = (rows: number, extra: string) => `input: { random: { shape: [${rows}, 4] } }
target: { random: {} }
layers: [{ type: affine, units: 3 }]
loss: softmax-with-loss
${extra}`;

test('train.batch 1e9 is refused on its value, at once, with the rows it may use', () => {
  const text = net(8, 'train: { iterations: 10, batch: 1e9 }\n');
  const started = performance.now();
  const loaded = loadSpec(text, 't.backprop.yaml', nodeIO(), { job: 'train' });
  assert.ok(performance.now() - started < 200);
  expectProblem(loaded.problems, 'train.batch 1,000,000,000 is larger than the 8 training rows; use a batch of 1 to 8', rangeOf(text, '1e9'));
  // A run of the same spec does not train, so its batch does not matter.
  assert.deepEqual(loadSpec(text, 't.backprop.yaml', nodeIO(), { job: 'run' }).problems, []);
});

test('a run whose tensors are each under maxElements but together over limits.maxBytes is refused with the figure, before its input is drawn', () => {
  // Every tensor is 1e6 elements (8 MB), under maxElements; six ReLUs keep 19 of them.
  const text = 'input: { random: { shape: [1000, 1000] } }\nlayers: [relu, relu, relu, relu, relu, relu]\nlimits: { maxBytes: 1e8 }\n';
  const message = 'this run would need about 152 MB for its tensors (Relu1 holds the most: 24 MB), over the limit of 100 MB (limits.maxBytes); raise limits.maxBytes, or use fewer rows or narrower layers';
  expectProblem(loadSpec(text, 'm.backprop.yaml', nodeIO()).problems, message, rangeOf(text, 'relu'));
  assert.deepEqual(loadSpec(text.replace('1e8', '2e8'), 'm.backprop.yaml', nodeIO()).problems, []);
  // The check holds more: the same net is refused under a limit its run fits in.
  assert.match(loadSpec(text.replace('1e8', '2e8'), 'm.backprop.yaml', nodeIO(), { job: 'check' }).problems[0].message, /^this gradient check would need about 632 MB/);
  // A comparison of inits runs each variant after the run, holding each one's output and dx: two
  // variants of one 1,000 × 1,000 affine layer add 2 × 16 MB to the run's 48 MB.
  const affine = 'input: { random: { shape: [1000, 1000] } }\nlayers: [{ type: affine, units: 1000 }]\nlimits: { maxBytes: 6e7 }\n';
  assert.deepEqual(loadSpec(affine, 'm.backprop.yaml', nodeIO()).problems, []);
  assert.match(loadSpec(`${affine}compare: { init: [he, xavier] }\n`, 'm.backprop.yaml', nodeIO()).problems[0]?.message ?? '', /^this run would need about 80 MB /);
  // Shapes known only once a file is read: checked then, as the same problem.
  writeFileSync(join(folder, 'wide.npy'), npyF8([1000, 1000], new Array<number>(1e6).fill(1)));
  const fromFile = text.replace('random: { shape: [1000, 1000] }', 'file: wide.npy');
  expectProblem(loadSpec(fromFile, 'm.backprop.yaml', nodeIO()).problems, message, rangeOf(fromFile, 'relu'));
});

test('limits raised past what the engine can allocate: the figure and the machine\'s limit, on the value', () => {
  const text = 'input: { random: { shape: [100000, 100000] } }\nlayers: [relu]\nlimits: { maxElements: 1e12, maxBytes: 1e15 }\n';
  const memory = { maxTensorElements: 2 ** 32, totalBytes: 16e9 };
  const loaded = loadSpec(text, 'm.backprop.yaml', { ...nodeIO(), memory });
  expectProblem(loaded.problems, "the random input of shape [100000, 100000] would need 80 GB; this machine's engine can allocate at most 16 GB for one tensor", rangeOf(text, '{ shape: [100000, 100000] }'));
  const many = 'input: { random: { shape: [30000, 30000] } }\nlayers: [relu, relu]\nlimits: { maxElements: 1e12, maxBytes: 1e15 }\n';
  expectProblem(
    loadSpec(many, 'm.backprop.yaml', { ...nodeIO(), memory }).problems,
    "this run would need about 50.4 GB for its tensors (Relu1 holds the most: 21.6 GB); this machine's engine can allocate at most 16 GB, so use fewer rows or narrower layers",
    rangeOf(many, 'relu'),
  );
});

test("a custom layer's output over maxElements is refused on its layer before the engine copies it", () => {
  const big = { forward: () => ({ shape: [6, 1000], data: new Float64Array(6000) }), backward: (d: unknown) => d };
  const layer = new CustomLayer('Big1', 2, big, {}, undefined, undefined, 5000);
  assert.throws(
    () => layer.forward({ shape: [1, 1], data: new Float64Array(1) }),
    (e: unknown) => e instanceof CustomLayerError && e.layer === 2 && e.message === 'Big1.forward returned a tensor of shape [6, 1000]: 6,000 elements, over the limit of 5,000 (limits.maxElements)',
  );
  // Through a spec: the problem is on the layer's module, as a shape problem would be.
  const text = 'input: { data: [[1, 2]] }\nlayers:\n  - { type: custom, module: ./big.js }\nlimits: { maxElements: 1000 }\n';
  const small = { forward: () => ({ shape: [2000], data: new Float64Array(2000) }), backward: (d: unknown) => d };
  const loaded = loadSpec(text, 'c.backprop.yaml', { ...nodeIO(), customModule: () => small });
  expectProblem(loaded.problems, 'Big1.forward returned a tensor of shape [2000]: 2,000 elements, over the limit of 1,000 (limits.maxElements)', rangeOf(text, './big.js'));
});
