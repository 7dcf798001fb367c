// `npm run bench:training`: what a long training run costs the host, and how fast cancel is. Figures
// only, never assertions. It drives TrainSession, the host's own class, with the real worker:
//  1. the book's TwoLayerNet for 100,000 steps (snapshots every 100 steps, a ring of 30, the
//     defaults), printing the process's memory every 10,000 steps: it must level off, not grow;
//  2. cancel during runs that stream a snapshot every step, timing cancel() → worker gone.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineClient } from '../src/extension/engine-client';
import { TRAINING_DEFAULTS, TrainSession, trainJob } from '../src/extension/train-session';

const STEPS = Number(process.env.STEPS ?? 100_000);
const spec = readFileSync('examples/train-two-layer-net.backprop.yaml', 'utf8')
  .replace('iterations: 10000', `iterations: ${STEPS}`)
  .replace('every: epoch', `every: ${STEPS / 10}`);
const engine = new EngineClient({ workerPath: resolve('dist/worker.js'), mnistPath: resolve('dist/mnist-digits.bin'), userCodeLimitMs: () => 60_000, trusted: () => false });
let runs = 1;

function session(text: string, snapshotEvery: number): TrainSession {
  const spec = { text, fileName: 'bench.backprop.yaml', folder: resolve('examples') };
  const uri = `file:///bench-${runs++}.backprop.yaml`;
  return new TrainSession(trainJob(engine, spec, { type: 'train', snapshotEvery, updateMs: 1000 / 30 }, uri, []), 'bench.backprop.yaml', uri, {
    ringSize: TRAINING_DEFAULTS.snapshots,
    layers: [],
    onProblems: (p) => p.length && console.error(p),
  });
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function memory(): Promise<void> {
  console.log(`TwoLayerNet 784-50-10, batch 100, ${STEPS.toLocaleString('en-US')} steps, snapshot every ${TRAINING_DEFAULTS.snapshotEvery}, ring ${TRAINING_DEFAULTS.snapshots}`);
  console.log('  step      rss (process)  host heap  ring        curve points  steps/s');
  const s = session(spec, TRAINING_DEFAULTS.snapshotEvery);
  let next = STEPS / 10;
  const started = performance.now();
  const report = () => {
    const m = process.memoryUsage();
    const h = s.history;
    const rate = s.position.step / ((performance.now() - started) / 1000);
    console.log(
      `  ${String(s.position.step).padEnd(8)}  ${mb(m.rss).padEnd(13)}  ${mb(m.heapUsed).padEnd(9)}  ${mb(s.ring.bytes()).padEnd(10)}  ${String(h?.loss.length ?? 0).padEnd(12)}  ${rate.toFixed(0)}`,
    );
  };
  const poll = setInterval(() => {
    if (s.position.step >= next) {
      report();
      next += STEPS / 10;
    }
  }, 50);
  const status = await s.ended;
  clearInterval(poll);
  if (s.position.step >= next) report();
  const last = s.history?.evals.at(-1);
  console.log(`  ${status.state} in ${((performance.now() - started) / 1000).toFixed(1)} s; test accuracy ${last?.testAcc ?? '—'}`);
}

async function cancelLatency(): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    // A snapshot every step (at most ~30 a second go out): cancel lands while one is being sent.
    const s = session(spec, 1);
    while (s.ring.size < 3) await new Promise((r) => setTimeout(r, 5));
    const start = performance.now();
    s.cancel();
    await s.exited;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`cancel during a streaming run, cancel() → worker thread gone, 10 runs: median ${times[5].toFixed(1)} ms, worst ${times[9].toFixed(1)} ms`);
}

void cancelLatency().then(memory);
