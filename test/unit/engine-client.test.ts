// The host's engine client with the real worker (dist/worker.js): one clock for user code, so a
// custom layer that never returns is stopped after the same limit whether it loops in a run, in the
// gradient check or in training, and whether or not it posts messages while it loops.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { render } from '../../src/catalogues';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { EngineClient, type JobEnd, type JobMessage, type JobRequest } from '../../src/extension/engine-client';
import { HOSTILE, writeHostile } from './hostile-layers';

const folder = mkdtempSync(join(tmpdir(), 'backprop-client-'));
/** A layer whose forward passes x through, and loops forever from its `n`-th call on. */
const loopFrom = (n: number) => `let calls = 0;
module.exports = {
  forward(x) { if (++calls >= ${n}) for (;;) {} return { shape: x.shape, data: x.data.slice() }; },
  backward(d) { return { shape: d.shape, data: d.data.slice() }; },
};
`;
writeFileSync(join(folder, 'loop-in-run.js'), loopFrom(2)); // 1st call: the shape probe at load
writeFileSync(join(folder, 'loop-in-check.js'), loopFrom(3)); // 2nd: the run's forward
writeFileSync(join(folder, 'loop-in-train.js'), loopFrom(20));
// Fine while its job runs; afterwards a timer it left behind spins the thread forever.
writeFileSync(
  join(folder, 'timer.js'),
  'setTimeout(() => { for (;;) {} }, 200);\nmodule.exports = { forward(x) { return { shape: x.shape, data: x.data.slice() }; }, backward(d) { return { shape: d.shape, data: d.data.slice() }; } };\n',
);
// Posts a message that looks like the engine's, for the first 50 run ids, every 20 ms, forever.
writeFileSync(
  join(folder, 'chatty.js'),
  `const { parentPort } = require('node:worker_threads');
module.exports = {
  forward(x) {
    for (;;) {
      for (let runId = 1; runId <= 50; runId++) parentPort.postMessage({ type: 'heartbeat', runId, layer: 1, phase: 'forward' });
      const until = Date.now() + 20;
      while (Date.now() < until) {}
    }
  },
  backward(d) { return d; },
};
`,
);

const spec = (module: string) => `input: { data: [[1, -2, 0.5], [0, 3, 1]] }
target: { labels: [0, 1] }
layers:
  - { type: affine, units: 3 }
  - { type: custom, module: ./${module} }
  - { type: affine, units: 2 }
loss: softmax-with-loss
train: { iterations: 100, batch: 2 }
`;

const LIMIT_MS = 500;
const engine = new EngineClient({
  workerPath: resolve('dist/worker.js'),
  mnistPath: resolve('dist/mnist-digits.bin'),
  userCodeLimitMs: () => LIMIT_MS,
  trusted: () => true,
});

async function job(module: string, request: JobRequest): Promise<{ end: JobEnd; ms: number }> {
  const text = spec(module);
  const layers = [{ name: 'Affine1' }, { name: module.replace('.js', ''), module: `./${module}` }, { name: 'Affine2' }];
  const started = Date.now();
  const end = await engine.start(module, { text, fileName: 'loop.backprop.yaml', folder }, request, layers, () => {}).ended;
  engine.release(module);
  return { end, ms: Date.now() - started };
}

/** A failed end without its message (id, arguments, parts), which must say the same English. */
function failure(end: JobEnd): JobEnd {
  if (end.status !== 'failed') return end;
  const { id, args, parts, ...rest } = end;
  assert.ok(id !== undefined && args !== undefined, `${end.message} has a message id`);
  assert.equal(render({ id, args, ...(parts && { parts }) }, 'en'), end.message, `${id} says the English`);
  return rest;
}

const run: JobRequest = { type: 'run', check: false, thresholds: DEFAULT_THRESHOLDS };
const check: JobRequest = { type: 'run', check: true, thresholds: DEFAULT_THRESHOLDS };
const train: JobRequest = { type: 'train', snapshotEvery: 10, updateMs: 30 };

for (const [what, module, request, message] of [
  ['a run', 'loop-in-run.js', run, 'loop-in-run.forward did not return within 0.5 s, so the engine was stopped'],
  ['a gradient check', 'loop-in-check.js', check, 'loop-in-check (check) did not return within 0.5 s, so the engine was stopped'],
  ['training', 'loop-in-train.js', train, 'loop-in-train.forward did not return within 0.5 s, so the engine was stopped'],
  ['a run, posting messages as it loops', 'chatty.js', run, 'chatty.forward did not return within 0.5 s, so the engine was stopped'],
] as const) {
  test(`user code that never returns in ${what} is stopped after the limit, on its layer`, async () => {
    const { end, ms } = await job(module, request);
    assert.deepEqual(failure(end), { status: 'failed', layer: 1, message });
    // The limit, plus the watch's interval and a loaded machine's slack; never before the limit.
    assert.ok(ms >= LIMIT_MS && ms < 15_000, `${ms} ms`);
  });
}

test('a job hears only its own messages, and the worker stays warm for the next job of its key', async () => {
  const text = 'input: { data: [[1, -2]] }\nlayers: [relu]\n';
  const kinds: string[] = [];
  const first = engine.start('warm', { text, fileName: 'a.backprop.yaml', folder }, run, [], (m) => kinds.push(m.type === 'event' ? m.event.kind : m.type));
  assert.deepEqual(await first.ended, { status: 'finished' });
  assert.deepEqual(kinds, ['problems', 'start', 'forward', 'backward', 'findings', 'done']);
  const second = engine.start('warm', { text, fileName: 'a.backprop.yaml', folder }, run, [], () => {});
  assert.ok(second.runId > first.runId);
  assert.deepEqual(await second.ended, { status: 'finished' });
  // A newer job of the same key cancels the one going.
  const third = engine.start('warm', { text: spec('loop-in-run.js'), fileName: 'a.backprop.yaml', folder }, run, [], () => {});
  const fourth = engine.start('warm', { text, fileName: 'a.backprop.yaml', folder }, run, [], () => {});
  assert.deepEqual(await third.ended, { status: 'cancelled' });
  assert.deepEqual(await fourth.ended, { status: 'finished' });
  await fourth.release();
});

writeHostile(folder);
/** The spec's own names for a hostile module's layer: getter.js is Getter1. */
const hostileLayers = (file: string) => {
  const base = file.replace(/\.m?js$/, '');
  return [{ name: 'Affine1' }, { name: `${base[0].toUpperCase()}${base.slice(1)}1`, module: `./${file}` }, { name: 'Affine2' }];
};
const stopped = (call: string) => `${call} did not return within 0.5 s, so the engine was stopped`;
for (const [file, message] of [
  ['getter.js', stopped('Getter1.forward')],
  ['proxydata.js', stopped('Proxydata1.forward')],
  ['tostring.js', stopped('Tostring1.forward')],
  ['never.mjs', stopped('loading ./never.mjs')],
  ['proxy.js', 'Proxy1.forward returned a value that threw as it was read: trap'],
  ['getthrow.js', 'Getthrow1.forward returned a value that threw as it was read: no data yet'],
  ['nullproto.js', 'Nullproto1.forward threw: an object that cannot be shown as text'],
  ['exit.js', "Exit1.forward called process.exit(7), which ended the engine's thread"],
  ['reject.js', 'custom code failed after Reject1.backward had returned, with an error nothing caught (a rejected promise nobody handled, or a throw in a timer): nobody waits for me'],
  ['rejectloop.js', stopped('Rejectloop1.backward')],
] as const) {
  const does = HOSTILE.find((h) => h.file === file)!.does;
  test(`a layer that ${does} fails its job on the layer, and the next job of its key runs`, async () => {
    const key = `hostile-${file}`;
    const started = Date.now();
    const end = await engine.start(key, { text: spec(file), fileName: 'hostile.backprop.yaml', folder }, run, hostileLayers(file), () => {}).ended;
    assert.deepEqual(failure(end), { status: 'failed', layer: 1, message });
    assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
    // process.exit ended only the worker's thread: this process, the extension host's stand-in, goes on.
    const next = engine.start(key, { text: 'input: { data: [[1, -2]] }\nlayers: [relu]\n', fileName: 'a.backprop.yaml', folder }, run, [], () => {});
    assert.deepEqual(await next.ended, { status: 'finished' });
    await next.release();
  });
}

test('a module-level timer and an overridden slice or length do not disturb a job', async () => {
  for (const file of ['interval.js', 'slice.js']) {
    const events: JobMessage[] = [];
    const job = engine.start(file, { text: spec(file), fileName: 'hostile.backprop.yaml', folder }, run, hostileLayers(file), (m) => events.push(m));
    assert.deepEqual(await job.ended, { status: 'finished' }, file);
    const done = events.find((m) => m.type === 'event' && m.event.kind === 'done');
    assert.ok(done?.type === 'event' && done.event.kind === 'done' && done.event.ok, file);
    await job.release();
  }
});

test('after a job that ran user code, the next job of its key gets a fresh worker: a timer left behind cannot stall it', async () => {
  const layers = [{ name: 'Affine1' }, { name: 'Timer1', module: './timer.js' }, { name: 'Affine2' }];
  const first = engine.start('timer', { text: spec('timer.js'), fileName: 't.backprop.yaml', folder }, run, layers, () => {});
  assert.deepEqual(await first.ended, { status: 'finished' });
  // Let the timer fire and spin the first job's thread.
  await new Promise((r) => setTimeout(r, 400));
  const text = 'input: { data: [[1, -2]] }\nlayers: [relu]\n';
  const second = engine.start('timer', { text, fileName: 't.backprop.yaml', folder }, run, [], () => {});
  try {
    const outcome = await Promise.race([second.ended, new Promise((r) => setTimeout(() => r('stalled'), 15_000))]);
    assert.deepEqual(outcome, { status: 'finished' });
  } finally {
    // Even a stalled thread ends here, so the test process can exit.
    await second.release();
  }
});
