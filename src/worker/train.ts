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
import { train, type TrainData, type TrainEvent as EngineEvent } from '../engine/train';
import type { RunEvent as EngineRunEvent } from '../engine/run';
import { FLOW_PERCENTILES, type HeldBatch, type HostToWorker, type LayerInfo, type RunEvent, type TrainEvent, type TrainInfo } from '../protocol';
import type { Sequential } from '../engine/network';
import { trainingSets, type NetworkSpec, type TrainSpec } from '../spec';
import type { Problem } from '../spec/model';
import { load, networkInfo, type LoadedSpec, type Post } from './load';
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

/** The run's facts, as a Train panel titles them: the network, its data and its update rule. */
export function trainInfo(loaded: TrainableSpec, layers: LayerInfo[], loss: LayerInfo | null, snapshotEvery: number, fast: boolean): TrainInfo {
  const { spec, sets, network } = loaded;
  const { iterations, batch, optimizer } = spec.train;
  const compare = spec.compare && loaded.variantNetwork ? spec.compare : null;
  return {
    name: spec.name,
    layers,
    loss,
    iterations,
    batch,
    optimizer: compare?.key === 'optimizer' ? 'optimizers compared' : describeOptimizer(optimizer),
    trainRows: sets.xTrain.shape[0],
    testRows: sets.xTest?.shape[0] ?? 0,
    measuresAccuracy: measuresAccuracy(network.loss!.type, sets.tTrain),
    snapshotEvery,
    flowLayers: flowLayersOf(network),
    fast,
    ...(compare && { compare: { key: compare.key, variants: compare.variants.map((v) => v.label) } }),
  };
}

/** The layers whose first parameter's gradient (dW, or dgamma) the flow bands follow. */
function flowLayersOf(network: Sequential): { index: number; name: string }[] {
  return network.layers.flatMap((l, index) => (l.params.length > 0 ? [{ index, name: l.name }] : []));
}

/** A spec that can train: its train: section, a loss, and the training sets. */
export interface TrainableSpec {
  spec: NetworkSpec & { train: TrainSpec };
  network: Sequential;
  sets: TrainData;
  variantNetwork?: (variant: number) => Sequential;
}

/**
 * Posts a training run of job `runId` as 'train' messages: each step's loss, in batches at most every
 * `updateMs` with a gradient-flow sample of the latest step; snapshots; evaluations; the first NaN/Inf.
 */
export function trainFeed(runId: number, post: Post, updateMs: number, flowLayers: readonly { index: number }[], started: number) {
  const send = (event: TrainEvent, transfer: ArrayBuffer[] = [], held: HeldBatch[] = []) => post({ type: 'train', runId, event, ...(held.length > 0 && { held }) }, transfer);
  // Losses since the last progress message.
  let lossSteps: number[] = [];
  let losses: number[] = [];
  let lastProgress = -Infinity;
  let step = 0;
  let net: Sequential | null = null;
  let variant: number | undefined;
  const flush = () => {
    if (losses.length === 0 || !net) return;
    const flow = new Float64Array(flowLayers.length * FLOW_PERCENTILES.length);
    flowLayers.forEach((f, k) => {
      const grad = net!.layers[f.index].params[0].grad;
      if (grad) flow.set(absPercentiles(grad.data, FLOW_PERCENTILES), k * FLOW_PERCENTILES.length);
    });
    const progress = {
      step,
      elapsedMs: performance.now() - started,
      lossSteps: Float64Array.from(lossSteps).buffer,
      losses: Float64Array.from(losses).buffer,
      flowStep: step,
      flow: flow.buffer,
      ...(variant !== undefined && { variant }),
    };
    send({ kind: 'progress', progress }, [progress.lossSteps, progress.losses, progress.flow]);
    lossSteps = [];
    losses = [];
    lastProgress = performance.now();
  };
  return {
    start: (info: TrainInfo) => send({ kind: 'start', info }),
    /** The network (a variant's, in a comparison) whose steps come next. */
    follow(next: Sequential, nextVariant?: number): void {
      net = next;
      variant = nextVariant;
    },
    /** Step `iteration`'s loss. */
    step(iteration: number, loss: number): void {
      step = iteration;
      lossSteps.push(iteration);
      losses.push(loss);
      if (performance.now() - lastProgress >= updateMs) flush();
    },
    /** Step `at`'s events as a snapshot. */
    snapshot(at: number, events: readonly EngineRunEvent[]): void {
      const wired = wireEvents(events);
      send({ kind: 'snapshot', snapshot: { step: at, events: wired.events } }, wired.transfer, wired.held);
    },
    eval(e: Extract<EngineEvent, { kind: 'eval' }>): void {
      flush();
      send({ kind: 'eval', eval: { step: e.iteration, epoch: e.epoch, loss: e.loss, trainAcc: e.trainAcc, testAcc: e.testAcc, ...(variant !== undefined && { variant }) } });
    },
    /** The first NaN/Inf, with its step's events as a snapshot. */
    nonFinite(e: Extract<EngineEvent, { kind: 'nonFinite' }>): void {
      this.snapshot(e.iteration, e.events);
      send({ kind: 'nonFinite', at: { step: e.iteration, ...e.at } });
    },
    flush,
    done: (steps: number, reason: 'finished' | 'nonFinite') => {
      flush();
      send({ kind: 'done', step: steps, elapsedMs: performance.now() - started, reason });
    },
  };
}

/** Trains the spec of `msg` by its train: section and posts the run as 'train' messages. */
export async function trainSpec(msg: Extract<HostToWorker, { type: 'train' }>, post: Post, clock: CallClock): Promise<void> {
  const started = performance.now();
  yieldToTheEditor();
  const loaded = await load(msg, post, clock, () => false);
  if (!loaded) return;
  const trainable = trainableSpec(loaded);
  if (!trainable) return;
  if ('lacks' in trainable) return post({ type: 'failed', runId: msg.runId, ...engineMessage(trainable.lacks === 'section' ? 'engine.train.noSection' : 'engine.train.noLoss', {}) });
  if ('problems' in trainable) return post({ type: 'problems', runId: msg.runId, problems: trainable.problems });
  const { spec, network, sets, variantNetwork } = trainable;
  const { iterations, batch } = spec.train;
  const { layers, loss } = networkInfo(spec, loaded.shapes!, network, loaded.x!);
  const snapshotEvery = Math.max(1, Math.floor(msg.snapshotEvery));
  const compare = spec.compare && variantNetwork ? spec.compare : null;
  // One run, or each variant in turn on a network of its own.
  const runs: { net: Sequential; train: TrainSpec; variant?: number }[] = compare ? compare.variants.map((v, i) => ({ net: variantNetwork!(i), train: v.train ?? spec.train, variant: i })) : [{ net: network, train: spec.train }];
  const sample = sets.xTrain.shape.slice(1);
  const fast = fastStep(runs[0].net, batch, sample);
  const info = trainInfo(trainable, layers, loss, snapshotEvery, fast !== null);
  const feed = trainFeed(msg.runId, post, msg.updateMs, info.flowLayers, started);
  feed.start(info);

  let lastSnapshot = -Infinity;
  // When the snapshot step in progress began, and what the last one cost (the step, the copies, the post).
  let snapshotBegan = 0;
  let snapshotMs = 0;
  const snapshotAt = (s: number) => {
    // A comparison keeps no snapshots: its variants' steps would share one ring.
    if (compare) return false;
    const now = performance.now();
    const due = s === 1 || s === iterations || (s % snapshotEvery === 0 && now - lastSnapshot >= Math.max(SNAPSHOT_MIN_MS, (snapshotMs * (1 - SNAPSHOT_SHARE)) / SNAPSHOT_SHARE));
    if (due) snapshotBegan = now;
    return due;
  };
  const snapshotted = () => {
    lastSnapshot = performance.now();
    snapshotMs = lastSnapshot - snapshotBegan;
  };

  let done = 0;
  for (const run of runs) {
    const { seed, optimizer, evalEvery } = run.train;
    feed.follow(run.net, run.variant);
    const events = train(run.net, sets, { iterations, batch, seed, optimizer: createOptimizer(optimizer), evalEvery, snapshotAt, fast: run === runs[0] ? fast : fastStep(run.net, batch, sample) });
    for (const e of events as Iterable<EngineEvent>) {
      switch (e.kind) {
        case 'step':
          feed.step(e.iteration, e.loss);
          if (e.events) {
            feed.snapshot(e.iteration, e.events);
            snapshotted();
          }
          break;
        case 'eval':
          feed.eval(e);
          break;
        case 'nonFinite':
          feed.flush();
          // A comparison goes on with the next variant: its curve ends where this one stopped.
          if (compare) break;
          feed.nonFinite(e);
          break;
        case 'done':
          feed.flush();
          done += compare ? iterations : e.iterations;
          if (!compare || run === runs.at(-1)) feed.done(done, compare ? 'finished' : e.reason);
          break;
      }
    }
  }
}

/** The loaded spec as one that can train; else why not (its problems, or what it lacks), or null when loading already said so. */
export function trainableSpec(loaded: LoadedSpec): TrainableSpec | { lacks: 'section' | 'loss' } | { problems: Problem[] } | null {
  const { spec, network, x, t, shapes, io, variantNetwork } = loaded;
  if (spec?.form !== 'network' || !spec.train) return { lacks: 'section' };
  if (!network || !x || !shapes) return null;
  if (!network.loss || !t) return { lacks: 'loss' };
  const sets = trainingSets(spec, x, t, io);
  if ('problems' in sets) return { problems: sets.problems };
  return { spec: spec as TrainableSpec['spec'], network, sets, ...(variantNetwork && { variantNetwork }) };
}
