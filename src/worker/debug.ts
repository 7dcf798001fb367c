// The worker's side of a debug session: the engine's run as a generator the host pulls one event at
// a time (a debugStep each), so a stopped session holds its place in the engine and sends nothing.
// Each event goes with its tensors whole, grouped in the stages a Step Into reveals (see DebugStep),
// after the same event as a run posts it, for the run panel to follow the session.
import type { CallClock } from '../call-clock';
import { evaluateGraph } from '../engine/graph';
import { gradientHealth } from '../engine/health';
import type { HealthThresholds } from '../engine/health-thresholds';
import { engineMessage } from '../engine/messages';
import type { Sequential } from '../engine/network';
import { fastStep } from '../engine/fast-step';
import { createOptimizer } from '../engine/optimizers';
import { runNetwork, type RunEvent as EngineEvent } from '../engine/run';
import { train } from '../engine/train';
import { tensor, type Tensor } from '../engine/tensor';
import type { Sentence } from '../message';
import type { DebugStep, HostToWorker, LayerInfo } from '../protocol';
import type { GraphSpec } from '../spec';
import { load, networkInfo, type LoadedSpec, type Post } from './load';
import { wholeTensor } from '../wire-tensor';
import { trainableSpec, trainFeed, trainInfo } from './train';
import { toWire } from './wire';

/** A debug step and the buffers to transfer with it. */
type Converted = { step: DebugStep; transfer: ArrayBuffer[] };

/** The engine event (not 'done') as a debug step. */
export function toDebugStep(e: Exclude<EngineEvent, { kind: 'done' }>, network: Sequential, loss: number | null, thresholds: HealthThresholds, iteration?: number): Converted {
  const transfer: ArrayBuffer[] = [];
  const tensors: DebugStep['tensors'] = [];
  const add = (name: string, stage: number, t: Tensor) => tensors.push({ name, stage, tensor: wholeTensor(t, transfer) });
  const findings = gradientHealth([e], thresholds);
  const base = { kind: e.kind, index: e.kind === 'loss' ? network.layers.length : e.index, name: e.name, loss, findings, ...(iteration !== undefined && { iteration }) };
  switch (e.kind) {
    case 'forward':
      add('x', 0, e.input);
      for (const p of e.params) add(p.name, 0, p.value);
      add('out', 1, e.output);
      // Affine keeps its input (flattened) and Sigmoid its out: both are on show already.
      for (const [name, t] of Object.entries(e.kept)) if (name !== 'x' && name !== 'out') add(name, 1, t);
      break;
    case 'loss':
      add('y', 0, e.y);
      add('t', 0, e.t);
      add('dx', 1, e.dx);
      break;
    case 'backward': {
      const layer = network.layers[e.index];
      add('dout', 0, e.dout);
      // What the layer kept from its forward, which its backward reads: ReLU's mask, Affine's x.
      for (const [name, t] of Object.entries(layer.kept())) add(name, 0, t);
      for (const p of layer.params) add(p.name, 0, p.value);
      e.grads.forEach((g, i) => add(`d${g.name}`, i + 1, g.grad));
      add('dx', e.grads.length + 1, e.dx);
      break;
    }
    case 'check':
      add('analytic', 0, e.result.analytic);
      add('numerical', 0, e.result.numerical);
      add('error', 0, e.result.error);
      return { step: { ...base, param: e.param, tensors }, transfer };
  }
  return { step: { ...base, tensors }, transfer };
}

/** What a debugStep asks of a training run at the end of a step: the step that next sends its events (see HostToJob). */
type Seek = number | null | undefined;

/** The pull of each debug job that waits for its next debugStep, by runId. */
const waiting = new Map<number, (seek: Seek) => void>();

/** Runs the next event of debug job `runId` (a debugStep), if that job is waiting. */
export function debugStep(runId: number, seek: Seek): void {
  waiting.get(runId)?.(seek);
}

/** What each debugged training does when its session stops, by runId: posts the step to the Train panel. */
const stoppedIn = new Map<number, () => void>();

/** Debug job `runId`'s session stopped (a debugStopped). */
export function debugStopped(runId: number): void {
  stoppedIn.get(runId)?.();
}

/** Loads the spec, posts its start, then posts one engine event per debugStep until the run is done. */
export async function debugSpec(msg: Extract<HostToWorker, { type: 'debug' }>, post: Post, clock: CallClock): Promise<void> {
  let checking = false;
  const loaded = await load(msg, post, clock, () => checking);
  if (!loaded?.spec) return;
  if (loaded.spec.form === 'graph') {
    const spec = loaded.spec;
    const layers = spec.nodes.map((n) => ({ name: n.name, type: n.op, inShape: [], outShape: [], paramCount: 0, line: n.range.start.line }));
    post({ type: 'debugStart', runId: msg.runId, name: spec.name, layers, loss: null });
    return serve(msg.runId, post, graphDebugSteps(spec)[Symbol.iterator]());
  }
  const spec = loaded.spec;
  const { network, x, t, shapes } = loaded;
  if (!network || !x || !shapes) return;
  const { layers, loss } = networkInfo(spec, shapes, network, x);
  if (msg.train) {
    const training = trainingRun(loaded, msg, post, layers, loss);
    if (training && 'message' in training) return post({ type: 'failed', runId: msg.runId, ...training });
    if (!training) return;
    post({ type: 'debugStart', runId: msg.runId, name: spec.name, layers, loss, iterations: training.iterations });
    stoppedIn.set(msg.runId, training.stopped);
    try {
      return await serve(msg.runId, post, training.steps, training.seek);
    } finally {
      stoppedIn.delete(msg.runId);
    }
  }
  post({ type: 'debugStart', runId: msg.runId, name: spec.name, layers, loss });
  const panel = runPanelFeed(msg.runId, post, msg.thresholds);
  panel.start(spec.name, layers, loss);
  const events = runNetwork(network, x, t ?? null, { train: spec.mode === 'train', check: msg.check ? spec.check : null });
  const net: Sequential = network;
  let lossValue: number | null = null;
  function* steps(): Generator<Converted> {
    for (const e of events) {
      if (e.kind === 'done') return panel.done(e.loss);
      if (e.kind === 'loss') lossValue = e.value;
      // Backward ends at the first layer; the check, if any, comes next.
      if (e.kind === 'backward' && e.index === 0) checking = msg.check;
      panel.event(e);
      yield toDebugStep(e, net, lossValue, msg.thresholds);
    }
  }
  await serve(msg.runId, post, steps());
}

/**
 * A debug job's events as a run posts them, for the run panel: a start, each event as the session
 * reaches it, then the findings and the end once the run is over. The panel so shows what the
 * session has passed, as a run shows what the engine has done.
 */
function runPanelFeed(runId: number, post: Post, thresholds: HealthThresholds) {
  let events: Exclude<EngineEvent, { kind: 'done' }>[] = [];
  let started = performance.now();
  return {
    start(name: string, layers: LayerInfo[], loss: LayerInfo | null): void {
      events = [];
      started = performance.now();
      post({ type: 'event', runId, event: { kind: 'start', form: 'network', name, layers, loss } });
    },
    event(e: Exclude<EngineEvent, { kind: 'done' }>): void {
      events.push(e);
      const { event, transfer, held } = toWire(e);
      post({ type: 'event', runId, event, ...(held.length > 0 && { held }) }, transfer);
    },
    done(loss: number | null): void {
      post({ type: 'event', runId, event: { kind: 'findings', findings: gradientHealth(events, thresholds) } });
      const ok = (loss === null || Number.isFinite(loss)) && events.every((e) => e.kind !== 'check' || e.result.ok);
      post({ type: 'event', runId, event: { kind: 'done', loss, ok, elapsedMs: performance.now() - started } });
      events = [];
    },
  };
}

/**
 * A training run of the spec's train: section, as debug steps: the steps the host seeks (and one
 * whose gradients turn NaN or ±Infinity, where training ends) send their forward, loss and backward
 * events; the others run on the fast path and send nothing. The whole run also goes out as a train
 * job posts it, for the Train panel: losses up to the stop, and each stopped step as a snapshot.
 * A sentence when the spec cannot train; its problems are posted.
 */
function trainingRun(
  loaded: LoadedSpec,
  msg: Extract<HostToWorker, { type: 'debug' }>,
  post: Post,
  layers: LayerInfo[],
  loss: LayerInfo | null,
): { iterations: number; steps: Iterator<Converted>; seek(to: Seek): void; stopped(): void } | Sentence | null {
  const trainable = trainableSpec(loaded);
  if (!trainable) return null;
  if ('lacks' in trainable) return engineMessage(trainable.lacks === 'section' ? 'engine.debug.noSection' : 'engine.debug.noLoss', {});
  if ('problems' in trainable) {
    post({ type: 'problems', runId: msg.runId, problems: trainable.problems });
    return null;
  }
  const { spec, network, sets } = trainable;
  const { iterations, batch, seed, optimizer, evalEvery } = spec.train;
  const panel = runPanelFeed(msg.runId, post, msg.thresholds);
  const fast = fastStep(network, batch, sets.xTrain.shape.slice(1));
  // Its snapshots are the steps the session stops in, any step: one apart at the least.
  const info = trainInfo(trainable, layers, loss, 1, fast !== null);
  const trainPanel = trainFeed(msg.runId, post, msg.train?.updateMs ?? 0, info.flowLayers, performance.now());
  trainPanel.start(info);
  trainPanel.follow(network);
  let seek: Seek;
  const events = train(network, sets, { iterations, batch, seed, optimizer: createOptimizer(optimizer), evalEvery, snapshotAt: (s) => s === seek, fast });
  const net: Sequential = network;
  const name = spec.name;
  // The step being walked, and the last one the Train panel was sent.
  let walking: { iteration: number; events: readonly EngineEvent[] } | null = null;
  let shown = 0;
  // Each of the step's events, converted before the update (which the next pull of `events` applies).
  // The run panel shows the step, as a run of its own.
  function* walk(iteration: number, stepEvents: readonly EngineEvent[]): Generator<Converted> {
    walking = { iteration, events: stepEvents };
    let lossValue: number | null = null;
    panel.start(`${name} · step ${iteration}`, layers, loss);
    for (const e of stepEvents) {
      if (e.kind === 'done') continue;
      if (e.kind === 'loss') lossValue = e.value;
      panel.event(e);
      yield toDebugStep(e, net, lossValue, msg.thresholds, iteration);
    }
    panel.done(lossValue);
  }
  function* steps(): Generator<Converted> {
    for (const e of events) {
      if (e.kind === 'step') {
        trainPanel.step(e.iteration, e.loss);
        if (e.events) yield* walk(e.iteration, e.events);
      } else if (e.kind === 'eval') trainPanel.eval(e);
      else if (e.kind === 'nonFinite') {
        shown = e.iteration;
        trainPanel.flush();
        trainPanel.nonFinite(e);
        yield* walk(e.iteration, e.events);
      } else trainPanel.done(e.iterations, e.reason);
    }
  }
  // Only a step the session stops in is sent: a condition on a tensor walks every step, unseen.
  const stopped = () => {
    if (!walking || walking.iteration === shown) return;
    shown = walking.iteration;
    trainPanel.flush();
    trainPanel.snapshot(walking.iteration, walking.events);
  };
  // A pull's seek matters at the end of a step, when the next pull runs the training on to it.
  return { iterations, steps: steps(), seek: (to) => (seek = to), stopped };
}

/** Posts the next of `steps` at each debugStep of job `runId`; settles after the last, or rejects with the engine's error. */
async function serve(runId: number, post: Post, steps: Iterator<Converted>, onSeek?: (seek: Seek) => void): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      waiting.set(runId, (seek) => {
        try {
          onSeek?.(seek);
          const next = steps.next();
          if (next.done) return resolve();
          post({ type: 'debug', runId, step: next.value.step }, next.value.transfer);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  } finally {
    waiting.delete(runId);
  }
}

/**
 * A graph's steps: each node's forward in evaluation order (its operands, then its value), then
 * backward from the output (d output / d node, then what it sends each operand), as the book's
 * figures draw them. Scalars go as 0-d tensors.
 */
export function graphDebugSteps(spec: GraphSpec): Converted[] {
  const result = evaluateGraph(Object.fromEntries(spec.inputs.map((i) => [i.name, i.value])), spec.nodes, spec.output);
  const indexOf = new Map(spec.nodes.map((n, i) => [n.name, i]));
  const step = (kind: 'forward' | 'backward', name: string, stages: [string, number][][]): Converted => {
    const transfer: ArrayBuffer[] = [];
    const tensors = stages.flatMap((named, stage) => named.map(([n, v]) => ({ name: n, stage, tensor: wholeTensor(tensor([], Float64Array.of(v)), transfer) })));
    return { step: { kind, index: indexOf.get(name)!, name, tensors, loss: null, findings: [] }, transfer };
  };
  const nodes = new Map(spec.nodes.map((n) => [n.name, n]));
  const operands = (name: string): [string, number][] => nodes.get(name)!.in.map((i) => [i, result.values.get(i)!]);
  return [
    ...result.order.map((name) => step('forward', name, [operands(name), [['value', result.values.get(name)!]]])),
    ...result.backward.map((b) => step('backward', b.node, [[['dout', b.dout], ...operands(b.node)], b.sends.map((s): [string, number] => [`d${s.name}`, s.grad])])),
  ];
}
