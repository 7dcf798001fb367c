// The worker with custom layers: heartbeats while user code runs (and only then), the throttle that
// spaces them, failures tied to the layer, and Restricted Mode loading nothing. The real
// dist/worker.js runs in a worker thread, as the extension host runs it.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import type { HostToWorker, WorkerToHost } from '../../src/protocol';
import { CUSTOM_REFUSED } from '../../src/spec/resolve';
import { Heartbeat } from '../../src/worker/heartbeat';

const root = join(__dirname, '..', '..', '..');

test('Heartbeat posts on entering a phase, then at most once per interval, and again at once after another message', () => {
  let now = 0;
  const sent: string[] = [];
  const beats = new Heartbeat((layer, phase) => sent.push(`${now}:${layer}:${phase}`), () => now, 200);
  beats.beat(1, 'forward');
  for (now = 10; now < 450; now += 10) beats.beat(1, 'forward');
  assert.deepEqual(sent, ['0:1:forward', '200:1:forward', '400:1:forward']);
  // A new phase or layer is an entry: posted at once.
  beats.beat(1, 'backward');
  beats.beat(2, 'backward');
  beats.beat(2, 'backward');
  assert.deepEqual(sent.slice(3), ['450:1:backward', '450:2:backward']);
  // Another message ended the phase for the host.
  beats.reset();
  beats.beat(2, 'backward');
  assert.deepEqual(sent.slice(5), ['450:2:backward']);
});

const folder = mkdtempSync(join(tmpdir(), 'backprop-worker-'));
cpSync(join(root, 'examples', 'custom'), folder, { recursive: true });
const files: Record<string, string> = {
  'layers/marker.js': "require('fs').writeFileSync(require('path').join(__dirname, 'loaded.marker'), 'x');\nmodule.exports = require('./swish.js');\n",
  'layers/loop.js': 'module.exports = { forward(x) { for (;;) {} }, backward(d) { return d; } };\n',
  'layers/bad-backward.mjs': 'export function forward(x) { return { shape: x.shape, data: x.data.slice() }; }\nexport function backward(d) { throw new RangeError("index 7 out of range"); }\n',
};
for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);

/** Runs `text` in a fresh worker until the run ends (or `quietMs` pass without a message), returning every message. */
async function runWorker(text: string, opts: { check?: boolean; allowCustom?: boolean; quietMs?: number } = {}): Promise<WorkerToHost[]> {
  const worker = new Worker(join(root, 'dist', 'worker.js'));
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
        const ended = m.type === 'failed' || (m.type === 'event' && m.event.kind === 'done') || (m.type === 'problems' && m.problems.some((p) => p.severity === 'error'));
        if (ended) resolve();
      });
      const request: HostToWorker = {
        type: 'run',
        runId: 7,
        text,
        fileName: 'spec.backprop.yaml',
        folder,
        check: opts.check ?? false,
        mnistPath: join(root, 'dist', 'mnist-digits.bin'),
        thresholds: DEFAULT_THRESHOLDS,
        allowCustom: opts.allowCustom ?? true,
      };
      worker.postMessage(request);
      wait();
    });
  } finally {
    await worker.terminate();
  }
  return messages;
}

/** The messages as short labels: hb:layer:phase, problems, start, forward:i, backward:i, check:i.param, done, failed. */
function labels(messages: readonly WorkerToHost[]): string[] {
  return messages.map((m) => {
    if (m.type === 'heartbeat') return `hb:${m.layer}:${m.phase}`;
    if (m.type !== 'event') return m.type;
    const e = m.event;
    return e.kind === 'check' ? `check:${e.index}.${e.param}` : e.kind === 'forward' || e.kind === 'backward' ? `${e.kind}:${e.index}` : e.kind;
  });
}

const swish = (module = './layers/swish.js') => `input: { data: [[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]] }
target: { labels: [0, 1] }
layers:
  - { type: affine, units: 3, init: xavier }
  - { type: custom, module: ${module}, params: { beta: [1.0] } }
  - { type: affine, units: 2, init: xavier }
loss: softmax-with-loss
`;

test('the worker posts a heartbeat before each phase of custom code, and none outside it', async () => {
  const messages = await runWorker(swish(), { check: true });
  const seen = labels(messages);
  assert.equal(seen.at(-1), 'done', seen.join(' '));
  assert.ok(messages.every((m) => m.runId === 7));
  // Loading the module, constructing its class and running it once for its shape, then each phase of the run, right before it.
  assert.deepEqual(seen.slice(0, 11), [
    'hb:1:load', 'hb:1:construct', 'hb:1:forward', 'problems', 'start', 'forward:0', 'hb:1:forward', 'forward:1', 'forward:2', 'loss', 'backward:2',
  ]);
  assert.deepEqual(seen.slice(11, 14), ['hb:1:backward', 'backward:1', 'backward:0']);
  // The check calls the custom layer for every element of Affine1 (before it) and of its own:
  // a heartbeat opens each check that calls it; after Swish1's own, none.
  const check = seen.slice(14);
  assert.deepEqual(check.filter((l) => !l.startsWith('hb')), [
    'check:0.W', 'check:0.b', 'check:0.dx', 'check:1.beta', 'check:1.dx', 'check:2.W', 'check:2.b', 'check:2.dx', 'findings', 'done',
  ]);
  assert.equal(check[0], 'hb:1:check');
  assert.ok(check.every((l) => !l.startsWith('hb') || l === 'hb:1:check'), check.join(' '));
  const afterSwish = check.slice(check.indexOf('check:1.dx') + 1);
  // The final clean forward of the check runs Swish1 once more, after the last check event.
  assert.deepEqual(afterSwish.filter((l) => l.startsWith('hb')), ['hb:1:check'], afterSwish.join(' '));
  assert.ok(messages.some((m) => m.type === 'event' && m.event.kind === 'check' && m.event.param === 'beta' && m.event.result.ok));

  const plain = labels(await runWorker('input: { data: [[1, -2]] }\nlayers: [relu]\n', { check: true }));
  assert.deepEqual(plain.filter((l) => l.startsWith('hb')), []);
  assert.equal(plain.at(-1), 'done');
});

test('a custom layer that fails is reported with its layer; one that loops goes silent after its heartbeat', async () => {
  const failed = await runWorker(swish('./layers/bad-backward.mjs'));
  assert.deepEqual(failed.at(-1), { type: 'failed', runId: 7, message: 'BadBackward1.backward threw: index 7 out of range', layer: 1 });

  const looping = await runWorker('input: { data: [[1, 2]] }\nlayers:\n  - relu\n  - { type: custom, module: ./layers/loop.js }\n', { quietMs: 600 });
  // The last word is the heartbeat before the forward that never returns; the host ends the worker.
  assert.deepEqual(labels(looping), ['hb:1:load', 'hb:1:forward']);
});

test('Restricted Mode: the worker refuses custom layers and never loads their modules', async () => {
  const messages = await runWorker(swish('./layers/marker.js'), { allowCustom: false });
  const problems = messages.find((m) => m.type === 'problems');
  assert.ok(problems?.type === 'problems');
  assert.deepEqual(problems.problems.map((p) => [p.message, p.range.start.line]), [[CUSTOM_REFUSED, 4]]);
  assert.deepEqual(labels(messages), ['problems']);
  assert.equal(existsSync(join(folder, 'layers', 'loaded.marker')), false, 'the module never ran');
  // Trusted, the same module does run (so the check above can tell).
  assert.equal(labels(await runWorker(swish('./layers/marker.js'))).at(-1), 'done');
  assert.equal(existsSync(join(folder, 'layers', 'loaded.marker')), true);
});
