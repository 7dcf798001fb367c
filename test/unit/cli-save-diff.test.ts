// `backprop run --save` and `backprop diff` as a user runs them: the built dist/cli.js in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const dir = mkdtempSync(join(tmpdir(), 'backprop-diff-'));
const file = (name: string, text?: string) => {
  const path = join(dir, name);
  if (text !== undefined) writeFileSync(path, text);
  return path;
};

const SPEC = `name: tiny
seed: 7
input: { random: { shape: [4, 3] } }
target: { labels: [0, 1, 1, 0] }
layers: [{ type: affine, units: 5, init: he }, relu, { type: affine, units: 2 }]
loss: softmax-with-loss
`;

/** Saves the run of spec `text` to `name` and returns the .npz path. */
function saved(name: string, text: string): string {
  const npz = file(`${name}.npz`);
  const r = cli('run', file(`${name}.backprop.yaml`, text), '--save', npz);
  assert.equal(r.code, 0, r.stderr);
  return npz;
}

/** The diff table's row of `tensor`, split into cells. */
const row = (stdout: string, tensor: string) => stdout.split('\n').find((l) => l.startsWith(`${tensor} `))?.trim().split(/\s{2,}/);

test('an unchanged seeded spec saves the same bytes, and diffs to exactly zero in every tensor: exit 0', () => {
  const [a, b] = [saved('same-a', SPEC), saved('same-b', SPEC)];
  // run.json names the spec file; the same file saved again is the same bytes.
  const again = file('again.npz');
  assert.match(cli('run', file('same-a.backprop.yaml'), '--save', again).stdout, /^saved 24 tensors to .*again\.npz$/m);
  assert.deepEqual(readFileSync(again), readFileSync(a));
  // With --json, stdout stays one JSON report.
  const quiet = cli('run', file('same-a.backprop.yaml'), '--json', '--save', file('json.npz'));
  assert.equal(JSON.parse(quiet.stdout).name, 'tiny');
  assert.deepEqual(readFileSync(file('json.npz')), readFileSync(a));
  const r = cli('diff', a, b, '--rtol', '0', '--atol=0');
  assert.equal(r.code, 0, r.stdout);
  const rows = r.stdout.split('\n').slice(2).filter((l) => /^\S+\/\S+ /.test(l));
  assert.equal(rows.length, 24);
  for (const line of rows) assert.deepEqual(line.trim().split(/\s{2,}/).slice(2), ['0', '–', '–', '–', 'ok'], line);
  assert.match(r.stdout, /^24 tensors compared \(rtol 0, atol 0\): all within tolerance$/m);
});

test('a changed weight: the largest difference per tensor with its element, exit 1; a loose tolerance passes it', () => {
  const base = SPEC.replace('{ type: affine, units: 2 }', '{ type: affine, units: 2, weights: { b: [0, 0] } }');
  const a = saved('bias-a', base);
  const b = saved('bias-b', base.replace('b: [0, 0]', 'b: [0, 0.001]'));
  const r = cli('diff', a, b);
  assert.equal(r.code, 1);
  // b[1] is exactly what changed; W upstream of it did not.
  assert.deepEqual(row(r.stdout, 'Affine2/b'), ['Affine2/b', '[2]', '0.001', '[1]', '0', '0.001', 'OVER (1)']);
  assert.deepEqual(row(r.stdout, 'Affine2/W'), ['Affine2/W', '[5, 2]', '0', '–', '–', '–', 'ok']);
  assert.equal(row(r.stdout, 'Affine2/out')?.at(-1), 'OVER (4)');
  assert.match(r.stdout, /^24 tensors compared \(rtol 0\.00001, atol 1e-8\): 14 over tolerance$/m);
  assert.equal(cli('diff', a, b, '--atol', '0.01').code, 0);
});

test('layers added, removed or reshaped are named, exit 1', () => {
  const a = saved('shape-a', SPEC);
  const b = saved('shape-b', SPEC.replace('units: 5, init: he }, relu', 'units: 6, init: he }, { type: tanh, name: T }'));
  const r = cli('diff', a, b);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Affine1\/W: reshaped \(\[3, 5\] → \[3, 6\]\)$/m);
  assert.match(r.stdout, /^layer T: only in B \(3 tensors\)$/m);
  assert.match(r.stdout, /^layer Relu1: only in A \(4 tensors\)$/m);
  assert.deepEqual(row(r.stdout, 'Affine1/x')?.at(-1), 'ok');
  assert.match(r.stdout, /^10 tensors compared \(rtol 0\.00001, atol 1e-8\): 7 over tolerance, 12 not comparable$/m);
});

test('a graph spec saves each node value and gradient', () => {
  const npz = file('apple.npz');
  assert.equal(cli('run', 'examples/buy_apple.backprop.yaml', '--save', npz).code, 0);
  const r = cli('diff', npz, npz);
  assert.equal(r.code, 0);
  assert.deepEqual(row(r.stdout, 'price/value')?.slice(0, 3), ['price/value', '[]', '0']);
  assert.ok(row(r.stdout, 'apple/grad'));
});

test('bad usage and unreadable files: exit 2 with a clear message, no stack trace', () => {
  const a = saved('usage', SPEC);
  const cases: [string[], RegExp][] = [
    [['diff', a], /^backprop: expected two \.npz files, got 1$/m],
    [['diff', a, a, '--rtol', '-1'], /^backprop: --rtol needs a number of 0 or more, as in --rtol 1e-6$/m],
    [['diff', a, a, '--atol'], /^backprop: --atol needs a number of 0 or more/m],
    [['diff', a, a, '--exact'], /^backprop: unknown option '--exact'$/m],
    [['diff', a, file('missing.npz')], /^backprop: cannot read .*missing\.npz: ENOENT$/m],
    [['diff', file('usage.backprop.yaml'), a], /^backprop: .*usage\.backprop\.yaml: not an \.npz file \(no zip directory found\)$/m],
    [['run', file('usage.backprop.yaml'), '--save'], /^backprop: --save needs a file, as in --save run\.npz$/m],
    [['train', file('usage.backprop.yaml'), '--save', a], /^backprop: --save is for run and check$/m],
    [['run', file('usage.backprop.yaml'), '--save', join(dir, 'no-such-dir', 'x.npz')], /^backprop: cannot write .*x\.npz: ENOENT$/m],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const truncated = file('truncated.npz');
  writeFileSync(truncated, readFileSync(a).subarray(0, 200));
  assert.equal(cli('diff', a, truncated).code, 2);
  assert.equal(cli('diff', '--help').code, 0);
});
