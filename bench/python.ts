// `npm run bench`, Python layers: the bridge's round trip with a small tensor, and the book's
// TwoLayerNet (784-50-10, 3 digits) checked through its own Python class, every element, beside the
// book's numerical_gradient on the same net in numpy. Figures only, never assertions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CallClock } from '../src/call-clock';
import { checkNetwork } from '../src/engine/gradcheck';
import { loadSpec } from '../src/spec';
import { defaultPython, PythonBridge } from '../src/worker/python-bridge';
import { lazyPython } from '../src/worker/python-io';

const python = process.env.BACKPROP_PYTHON ?? defaultPython();
const examples = resolve('examples/python');

function median(values: number[]): number {
  return values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

// One forward of the seed's Relu on a [2, 3] tensor: a request and its reply, through numpy.
let bridge: PythonBridge;
try {
  bridge = PythonBridge.start(python, join(__dirname, 'bridge.py'));
} catch (e) {
  console.log(`Python layers: not measured (${e instanceof Error ? e.message : String(e)})`);
  process.exit(0);
}
bridge.request({ op: 'reset', folder: examples });
const made = bridge.request({ op: 'new', module: './seed_layers.py', class: 'Relu', args: {} });
const x = { shape: [2, 3], data: Float64Array.of(1, -2, 3, -4, 5, -6) };
const trips: number[] = [];
for (let i = 0; i < 3000; i++) {
  const start = performance.now();
  bridge.request({ op: 'call', id: made.header.id, method: 'forward', inputs: 1 }, [x]);
  if (i >= 300) trips.push(performance.now() - start);
}
bridge.close();
console.log(`Python bridge round trip (the seed's Relu.forward on [2, 3], ${python}, numpy ${bridge.versions.numpy}): ${(1000 * median(trips)).toFixed(1)} µs median`);

// The spec's check: every element of W1, b1, W2, b2 (and each layer's dx), through the class's layers.
const text = readFileSync(join(examples, 'two-layer-net.backprop.yaml'), 'utf8');
const io = {
  openFile: () => {
    throw new Error('no data files');
  },
  mnist: () => readFileSync('dist/mnist-digits.bin'),
  python: lazyPython(examples, python, new CallClock()),
};
const loaded = loadSpec(text, join(examples, 'two-layer-net.backprop.yaml'), io, { job: 'check' });
if (!loaded.network || !loaded.x || !loaded.t) throw new Error(loaded.problems.map((p) => p.message).join('; '));
const start = performance.now();
checkNetwork(loaded.network, loaded.x, loaded.t, true);
const checkMs = performance.now() - start;

const dir = mkdtempSync(join(tmpdir(), 'backprop-bench-python-'));
try {
  writeFileSync(join(dir, 'x.f64'), loaded.x.data);
  writeFileSync(join(dir, 't.u8'), Uint8Array.from(loaded.t.data));
  const run = spawnSync(python, ['bench/numpy_gradient.py', join(dir, 'x.f64'), join(dir, 't.u8'), '42'], { encoding: 'utf8' });
  const numpyMs = run.status === 0 ? (JSON.parse(run.stdout) as { ms: number }).ms : null;
  console.log('gradient check, the book\'s TwoLayerNet 784-50-10 as its Python class on 3 digits, every element:');
  console.log(`  through the Python layers (one bridge request per parameter, and each layer's dx): ${checkMs.toFixed(0)} ms`);
  console.log(numpyMs === null ? '  numpy numerical_gradient: not available' : `  the book's numerical_gradient in numpy: ${numpyMs.toFixed(0)} ms; the check takes ${(checkMs / numpyMs).toFixed(2)}× its time`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

