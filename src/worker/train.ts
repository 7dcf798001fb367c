// Training in the worker: pulls the engine's training loop and posts what the views need, coalesced.
// Losses of every step go out in batches at most once per `updateMs`, each with a gradient-flow
// sample of the latest step; snapshots go out every `snapshotEvery` steps, but only as often as keeps
// them to a tenth of the thread's time (the first and last steps always), so a fast run floods
// neither the host nor the webviews, and trains nearly as fast as the CLI.
// Cancelling is the host terminating this worker, which stops the loop wherever it is.
import { setPriority } from 'node:os';
import type { CallClock } from '../call-clock';
import { measuresAccuracy } from '../engine/accuracy';
import { fastStep } from '../engine/fast-step';
import { engineMessage } from '../engine/messages';
import { createOptimizer, type OptimizerOptions } from '../engine/optimizers';
import { absPercentiles } from '../engine/stats';
import { train, type TrainEvent as EngineEvent } from '../engine/train';
import type { RunEvent as EngineRunEvent } from '../engine/run';
import { FLOW_PERCENTILES, type HeldBatch, type HostToWorker, type RunEvent, type TrainEvent, type TrainInfo } from '../protocol';
import type { Sequential } from '../engine/network';
import { trainingSets, type TrainSpec } from '../spec';
import { load, networkInfo, type Post } from './load';
import { toWire } from './wire';

/** The nice value of a training thread: the editor wins the CPU whenever both want it. */
export const TRAINING_NICE = 10;

/**
 * Training is background work: on a 2-core machine it would otherwise take a core the editor's
 * processes (the browser, code-server, the extension host's own thread) need to answer a hover.
 * On Linux a thread has its own nice value, so this lowers only the training thread. Elsewhere
 * setPriority(0) changes the whole process, the extension host with it, so it is left alone.
 */
function yieldToTheEditor(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, TRAINING_NICE);
  } catch {
    // A sandbox that forbids it: train at the normal priority.
  }
}

/** Least time between two snapshots, in ms. */
const SNAPSHOT_MIN_MS = 1000 / 30;
/**
 * Most of the thread's time that snapshots take. A snapshot step runs the plain path (every layer's
 * tensors kept: ~12 ms for the book's net, against ~0.7 ms for a fast step) and copies and posts its
 * tensors, so every 100 steps at full speed they took a sixth of the run.
 */
const SNAPSHOT_SHARE = 0.1;

/** The update rule in a few words, with the book's defaults spelled out. */
export function describeOptimizer(o: OptimizerOptions): string {
  const lr = o.lr ?? (o.type === 'adam' ? 0.001 : 0.01);
  const extra = o.type === 'momentum' ? `, momentum ${o.momentum ?? 0.9}` : o.type === 'adam' ? `, β1 ${o.beta1 ?? 0.9}, β2 ${o.beta2 ?? 0.999}` : '';
  return `${o.type}, lr ${lr}${extra}`;
}

/** Engine run events → protocol events, the big batches of images held whole, and the buffers to transfer. */
function wireEvents(events: readonly EngineRunEvent[]): { events: RunEvent[]; held: HeldBatch[]; transfer: ArrayBuffer[] } {
  const out: RunEvent[] = [];
  const held: HeldBatch[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const e of events) {
    if (e.kind === 'done') continue;
    const w = toWire(e);
    out.push(w.event);
    held.push(...w.held);
    transfer.push(...w.transfer);
  }
  return { events: out, held, transfer };
}

/** Trains the spec of `msg` by its train: section and posts the run as 'train' messages. */
export async function trainSpec(msg: Extract<HostToWorker, { type: 'train' }>, post: Post, clock: CallClock): Promise<void> {
  const started = performance.now();
  yieldToTheEditor();
  const loaded = await load(msg, post, clock, () => false);
  if (!loaded) return;
  const { spec, network, x, t, shapes, io, variantNetwork } = loaded;
  if (spec?.form !== 'network' || !spec.train) {
    post({ type: 'failed', runId: msg.runId, ...engineMessage('engine.train.noSection', {}) });
    return;
  }
  if (!network || !x || !t || !shapes) return;
  if (!network.loss) {
    post({ type: 'failed', runId: msg.runId, ...engineMessage('engine.train.noLoss', {}) });
    return;
  }
  const sets = trainingSets(spec, x, t, io);
  if ('problems' in sets) {
    post({ type: 'problems', runId: msg.runId, problems: sets.problems });
    return;
  }
  const send = (event: TrainEvent, transfer: ArrayBuffer[] = [], held: HeldBatch[] = []) => post({ type: 'train', runId: msg.runId, event, ...(held.length > 0 && { held }) }, transfer);
  const { iterations, batch, optimizer } = spec.train;
  const { layers, loss } = networkInfo(spec, shapes, network, x);
  const flowLayers = network.layers.flatMap((l, index) => (l.params.length > 0 ? [{ index, name: l.name }] : []));
  const snapshotEvery = Math.max(1, Math.floor(msg.snapshotEvery));
  const compare = spec.compare && variantNetwork ? spec.compare : null;
  // One run, or each variant in turn on a network of its own.
  const runs: { net: Sequential; train: TrainSpec; variant?: number }[] = compare ? compare.variants.map((v, i) => ({ net: variantNetwork!(i), train: v.train, variant: i })) : [{ net: network, train: spec.train }];
  const sample = sets.xTrain.shape.slice(1);
  const fast = fastStep(runs[0].net, batch, sample);
  const info: TrainInfo = {
    name: spec.name,
    layers,
    loss,
    iterations,
    batch,
    optimizer: compare?.key === 'optimizer' ? 'optimizers compared' : describeOptimizer(optimizer),
    trainRows: sets.xTrain.shape[0],
    testRows: sets.xTest?.shape[0] ?? 0,
    measuresAccuracy: measuresAccuracy(network.loss.type, sets.tTrain),
    snapshotEvery,
    flowLayers,
    fast: fast !== null,
    ...(compare && { compare: { key: compare.key, variants: compare.variants.map((v) => v.label) } }),
  };
  send({ kind: 'start', info });

  // Losses since the last progress message.
  let lossSteps: number[] = [];
  let losses: number[] = [];
  let lastProgress = -Infinity;
  let lastSnapshot = -Infinity;
  // When the snapshot step in progress began, and what the last one cost (the step, the copies, the post).
  let snapshotBegan = 0;
  let snapshotMs = 0;
  let step = 0;
  let run = runs[0];
  const flush = () => {
    if (losses.length === 0) return;
    const flow = new Float64Array(flowLayers.length * FLOW_PERCENTILES.length);
    flowLayers.forEach((f, k) => {
      const grad = run.net.layers[f.index].params[0].grad;
      if (grad) flow.set(absPercentiles(grad.data, FLOW_PERCENTILES), k * FLOW_PERCENTILES.length);
    });
    const progress = {
      step,
      elapsedMs: performance.now() - started,
      lossSteps: Float64Array.from(lossSteps).buffer,
      losses: Float64Array.from(losses).buffer,
      flowStep: step,
      flow: flow.buffer,
      ...(run.variant !== undefined && { variant: run.variant }),
    };
    send({ kind: 'progress', progress }, [progress.lossSteps, progress.losses, progress.flow]);
    lossSteps = [];
    losses = [];
    lastProgress = performance.now();
  };
  const snapshot = (at: number, events: readonly EngineRunEvent[]) => {
    const wired = wireEvents(events);
    send({ kind: 'snapshot', snapshot: { step: at, events: wired.events } }, wired.transfer, wired.held);
    lastSnapshot = performance.now();
    snapshotMs = lastSnapshot - snapshotBegan;
  };
  const snapshotAt = (s: number) => {
    // A comparison keeps no snapshots: its variants' steps would share one ring.
    if (compare) return false;
    const now = performance.now();
    const due = s === 1 || s === iterations || (s % snapshotEvery === 0 && now - lastSnapshot >= Math.max(SNAPSHOT_MIN_MS, (snapshotMs * (1 - SNAPSHOT_SHARE)) / SNAPSHOT_SHARE));
    if (due) snapshotBegan = now;
    return due;
  };

  let done = 0;
  for (run of runs) {
    const { seed, optimizer, evalEvery } = run.train;
    const net = run.net;
    const events = train(net, sets, { iterations, batch, seed, optimizer: createOptimizer(optimizer), evalEvery, snapshotAt, fast: run === runs[0] ? fast : fastStep(net, batch, sample) });
    for (const e of events as Iterable<EngineEvent>) {
      switch (e.kind) {
        case 'step':
          step = e.iteration;
          lossSteps.push(e.iteration);
          losses.push(e.loss);
          if (e.events) snapshot(e.iteration, e.events);
          if (performance.now() - lastProgress >= msg.updateMs) flush();
          break;
        case 'eval':
          flush();
          send({ kind: 'eval', eval: { step: e.iteration, epoch: e.epoch, loss: e.loss, trainAcc: e.trainAcc, testAcc: e.testAcc, ...(run.variant !== undefined && { variant: run.variant }) } });
          break;
        case 'nonFinite':
          flush();
          // A comparison goes on with the next variant: its curve ends where this one stopped.
          if (compare) break;
          snapshot(e.iteration, e.events);
          send({ kind: 'nonFinite', at: { step: e.iteration, ...e.at } });
          break;
        case 'done':
          flush();
          done += compare ? iterations : e.iterations;
          if (!compare || run === runs.at(-1)) send({ kind: 'done', step: done, elapsedMs: performance.now() - started, reason: compare ? 'finished' : e.reason });
          break;
      }
    }
  }
}
