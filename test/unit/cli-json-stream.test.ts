// `--json --full` streams the report, tensor by tensor, in the very bytes JSON.stringify(report, null, 2)
// prints for the report with nested arrays (as the CLI printed it before it streamed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { networkReport, Nested, reportJson } from '../../src/cli/report';
import { gradientHealth } from '../../src/engine/health';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { runNetwork } from '../../src/engine/run';
import { tensor, toNested } from '../../src/engine/tensor';
import { loadSpec, memoryFile, type NetworkSpec } from '../../src/spec/index';

const root = resolve(__dirname, '..', '..', '..');

/** `value` with every Nested replaced by its nested arrays: the report as it was built before streaming. */
function unstreamed(value: unknown): unknown {
  if (value instanceof Nested) return toNested(value.tensor);
  if (Array.isArray(value)) return value.map(unstreamed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unstreamed(v)]));
  return value;
}

test('reportJson gives JSON.stringify(…, null, 2) byte for byte: nesting, empties, scalars, long rows, NaN and ±Infinity', () => {
  const long = tensor([2, 5000], Float64Array.from({ length: 10000 }, (_, i) => (i % 7 === 0 ? -0 : i * 1e-9 + (i % 3 === 0 ? 1e21 : 0))));
  const odd = tensor([3], Float64Array.of(NaN, Infinity, -Infinity));
  const value = {
    name: 'a "quoted"\nname',
    none: null,
    skipped: undefined,
    empty: { list: [], map: {} },
    list: [1, 'two', true, null, undefined, { x: -0 }],
    tensors: [new Nested(long), new Nested(odd), new Nested(tensor([], Float64Array.of(2.5))), new Nested(tensor([2, 0, 3])), new Nested(tensor([1, 1, 2], Float64Array.of(1, 2)))],
  };
  const expected = JSON.stringify(unstreamed(value), null, 2);
  assert.equal([...reportJson(value)].join(''), expected);
  assert.equal(JSON.stringify(value, null, 2), expected);
});

test('the CLI streams --json --full: the same bytes as the report built whole', () => {
  for (const [command, name] of [
    ['check', 'two-layer-net.backprop.yaml'],
    ['run', 'relu.backprop.yaml'],
  ]) {
    const file = join(root, 'examples', name);
    const io = { openFile: (p: string) => memoryFile(readFileSync(join(dirname(file), p))), mnist: () => readFileSync(join(root, 'dist', 'mnist-digits.bin')) };
    const loaded = loadSpec(readFileSync(file, 'utf8'), file, io, { job: command === 'check' ? 'check' : 'run' });
    const spec = loaded.spec as NetworkSpec;
    const events = [...runNetwork(loaded.network!, loaded.x!, loaded.t ?? null, { train: spec.mode === 'train', check: command === 'check' ? spec.check : null })];
    const report = unstreamed(networkReport(spec, events, gradientHealth(events, DEFAULT_THRESHOLDS), true));
    const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), command, file, '--json', '--full'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `${JSON.stringify(report, null, 2)}\n`, `${command} ${name}`);
  }
});
