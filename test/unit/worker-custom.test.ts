// The worker with custom layers: each call into user code marked on the clock while it runs (and
// only then), failures tied to the layer, and Restricted Mode loading nothing. The real
// dist/worker.js runs in a worker thread, as the extension host runs it; the marks are read from a
// job run on this thread.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import type { HostToWorker, WorkerToHost } from '../../src/protocol';
import { CUSTOM_REFUSED } from '../../src/spec/resolve';
import { CallClock, type CallKind } from '../../src/call-clock';
import { runJob } from '../../src/worker/jobs';

const root = join(__dirname, '..', '..', '..');

test('the clock says which call runs and since when, and nothing between calls; another thread sees the same', () => {
  const clock = new CallClock();
  assert.equal(clock.running(), null);
  const began = Date.now();
  clock.enter(2, 'backward');
  const seen = new CallClock(clock.shared).running(began + 1500);
  assert.ok(seen && seen.layer === 2 && seen.kind === 'backward' && seen.ms <= 1500 && seen.ms >= 1500 - (Date.now() - began), JSON.stringify(seen));
  clock.leave();
  assert.equal(new CallClock(clock.shared).running(), null);
});

const folder = mkdtempSync(join(tmpdir(), 'backprop-worker-'));
cpSync(join(root, 'examples', 'custom'), folder, { recursive: true });
const files: Record<string, string> = {
  'layers/marker.js': "require('fs').writeFileSync(require('path').join(__dirname, 'loaded.marker'), 'x');\nmodule.exports = require('./swish.js');\n",
  'layers/loop.js': 'module.exports = { forward(x) { for (;;) {} }, backward(d) { return d; } };\n',
  'layers/bad-backward.mjs': 'export function forward(x) { return { shape: x.shape, data: x.data.slice() }; }\nexport function backward(d) { throw new RangeError("index 7 out of range"); }\n',
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);

/** A run request of `text` in the test folder. */
function request(text: string, opts: { check?: boolean; allowCustom?: boolean }): HostToWorker {
  return {
    type: 'run',
    runId: 7,
    text,
    fileName: 'spec.backprop.yaml',
    folder,
    check: opts.check ?? false,
    mnistPath: join(root, 'dist', 'mnist-digits.bin'),
    thresholds: DEFAULT_THRESHOLDS,
    allowCustom: opts.allowCustom ?? true,
    confineTo: null,
  };
}

/** Runs `text` in a fresh worker until the run ends (or `quietMs` pass without a message), returning every message. */
async function runWorker(text: string, opts: { check?: boolean; allowCustom?: boolean; quietMs?: number } = {}): Promise<WorkerToHost[]> {
  const worker = new Worker(join(root, 'dist', 'worker.js'), { workerData: { clock: new CallClock().shared } });
  const messages: WorkerToHost[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let quiet: NodeJS.Timeout | undefined;
      const wait = () => {
        clearTimeout(quiet);
        if (opts.quietMs) quiet = setTimeout(resolve, opts.quietMs);
      };
      worker.on('error', reject);
      worker.on('message', (m: WorkerToHost) => {
        messages.push(m);
        wait();
        if (m.type === 'failed' || m.type === 'end') resolve();
      });
      worker.postMessage(request(text, opts));
      wait();
    });
  } finally {
    await worker.terminate();
  }
  return messages;
}

/** The messages as short labels: problems, start, forward:i, backward:i, check:i.param, done, end, failed. */
function labels(messages: readonly WorkerToHost[]): string[] {
  return messages.map((m) => {
    if (m.type !== 'event') return m.type;
    const e = m.event;
    return e.kind === 'check' ? `check:${e.index}.${e.param}` : e.kind === 'forward' || e.kind === 'backward' ? `${e.kind}:${e.index}` : e.kind;
  });
}

/** Runs `text` as one job on this thread: the messages, and each call marked on the clock (call:layer:kind) in order among them. */
async function marks(text: string, opts: { check?: boolean } = {}): Promise<string[]> {
  const seen: string[] = [];
  class Recording extends CallClock {
    override enter(layer: number, kind: CallKind): void {
      assert.equal(this.running(), null, 'a call began inside another');
      seen.push(`call:${layer}:${kind}`);
      super.enter(layer, kind);
    }
  }
  const clock = new Recording();
  await runJob(request(text, opts), (m) => {
    // Nothing is posted while user code is marked as running.
    assert.equal(clock.running(), null, `posted ${m.type} while a call was marked`);
    seen.push(...labels([m]));
  }, clock);
  return seen;
}

const swish = (module = './layers/swish.js') => `input: { data: [[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]] }
target: { labels: [0, 1] }
layers:
  - { type: affine, units: 3, init: xavier }
  - { type: custom, module: ${module}, params: { beta: [1.0] } }
  - { type: affine, units: 2, init: xavier }
loss: softmax-with-loss
`;

test('each call into custom code is marked on the clock while it runs, and nothing else is', async () => {
  const seen = await marks(swish(), { check: true });
  assert.equal(seen.at(-1), 'end', seen.join(' '));
  // Loading the module, constructing its class and running it once for its shape, then each call of the run.
  assert.deepEqual(seen.slice(0, 14), [
    'call:1:load', 'call:1:construct', 'call:1:forward', 'problems', 'start', 'forward:0', 'call:1:forward', 'forward:1', 'forward:2', 'loss', 'backward:2',
    'call:1:backward', 'backward:1', 'backward:0',
  ]);
  // The check calls the custom layer for every element of Affine1 (before it) and of its own, each call marked as the check's.
  const check = seen.slice(14);
  assert.deepEqual(check.filter((l) => !l.startsWith('call')), [
    'check:0.W', 'check:0.b', 'check:0.dx', 'check:1.beta', 'check:1.dx', 'check:2.W', 'check:2.b', 'check:2.dx', 'findings', 'done', 'end',
  ]);
  assert.ok(check.every((l) => !l.startsWith('call') || l === 'call:1:check'), check.join(' '));
  assert.equal(check[0], 'call:1:check');
  const afterSwish = check.slice(check.indexOf('check:1.dx') + 1);
  // The final clean forward of the check runs Swish1 once more, after the last check event.
  assert.deepEqual(afterSwish.filter((l) => l.startsWith('call')), ['call:1:check'], afterSwish.join(' '));

  const plain = await marks('input: { data: [[1, -2]] }\nlayers: [relu]\n', { check: true });
  assert.deepEqual(plain.filter((l) => l.startsWith('call')), []);
  assert.equal(plain.at(-1), 'end');
});

test('a custom layer that fails is reported with its layer; one that loops is left marked as running', async () => {
  const failed = await runWorker(swish('./layers/bad-backward.mjs'));
  assert.deepEqual(failed.at(-1), {
    type: 'failed',
    runId: 7,
    message: 'BadBackward1.backward threw: index 7 out of range',
    id: 'engine.custom.threw',
    args: { layer: 'BadBackward1', method: 'backward', reason: 'index 7 out of range' },
    layer: 1,
  });

  const clock = new CallClock();
  const worker = new Worker(join(root, 'dist', 'worker.js'), { workerData: { clock: clock.shared } });
  try {
    worker.postMessage(request('input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ./layers/loop.js }\n', {}));
    // The forward that runs once for its shape never returns: the clock shows it, and nothing comes.
    let call = clock.running();
    for (const deadline = Date.now() + 20_000; (call?.ms ?? 0) < 500 && Date.now() < deadline; call = clock.running()) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(call && { layer: call.layer, kind: call.kind }, { layer: 1, kind: 'forward' });
  } finally {
    await worker.terminate();
  }
});

test('Restricted Mode: the worker refuses custom layers and never loads their modules', async () => {
  const messages = await runWorker(swish('./layers/marker.js'), { allowCustom: false });
  const problems = messages.find((m) => m.type === 'problems');
  assert.ok(problems?.type === 'problems');
  assert.deepEqual(problems.problems.map((p) => [p.message, p.range.start.line]), [[CUSTOM_REFUSED, 4]]);
  assert.deepEqual(labels(messages), ['problems', 'end']);
  assert.equal(existsSync(join(folder, 'layers', 'loaded.marker')), false, 'the module never ran');
  // Trusted, the same module does run (so the check above can tell).
  assert.deepEqual(labels(await runWorker(swish('./layers/marker.js'))).slice(-2), ['done', 'end']);
  assert.equal(existsSync(join(folder, 'layers', 'loaded.marker')), true);
});
