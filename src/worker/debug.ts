// The worker's side of a debug session: the engine's run as a generator the host pulls one event at
// a time (a debugStep each), so a stopped session holds its place in the engine and sends nothing.
// Each event goes with its tensors whole, grouped in the stages a Step Into reveals (see DebugStep).
import type { CallClock } from '../call-clock';
import { gradientHealth } from '../engine/health';
import type { HealthThresholds } from '../engine/health-thresholds';
import type { Sequential } from '../engine/network';
import { runNetwork, type RunEvent as EngineEvent } from '../engine/run';
import type { Tensor } from '../engine/tensor';
import type { DebugStep, HostToWorker } from '../protocol';
import { load, networkInfo, type Post } from './load';
import { wholeTensor } from './wire';

/** The engine event (not 'done') as a debug step, and the buffers to transfer with it. */
export function toDebugStep(e: Exclude<EngineEvent, { kind: 'done' }>, network: Sequential, loss: number | null, thresholds: HealthThresholds): { step: DebugStep; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const tensors: DebugStep['tensors'] = [];
  const add = (name: string, stage: number, t: Tensor) => tensors.push({ name, stage, tensor: wholeTensor(t, transfer) });
  const findings = gradientHealth([e], thresholds);
  const base = { kind: e.kind, index: e.kind === 'loss' ? network.layers.length : e.index, name: e.name, loss, findings };
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

/** The pull of each debug job that waits for its next debugStep, by runId. */
const waiting = new Map<number, () => void>();

/** Runs the next event of debug job `runId` (a debugStep), if that job is waiting. */
export function debugStep(runId: number): void {
  waiting.get(runId)?.();
}

/** Loads the spec, posts its start, then posts one engine event per debugStep until the run is done. */
export async function debugSpec(msg: Extract<HostToWorker, { type: 'debug' }>, post: Post, clock: CallClock): Promise<void> {
  let checking = false;
  const loaded = await load(msg, post, clock, () => checking);
  if (!loaded?.spec) return;
  if (loaded.spec.form === 'graph') throw new Error('the debugger steps network specs; a graph spec has no layers to step through (run it instead)');
  const spec = loaded.spec;
  const { network, x, t, shapes } = loaded;
  if (!network || !x || !shapes) return;
  const { layers, loss } = networkInfo(spec, shapes, network, x);
  post({ type: 'event', runId: msg.runId, event: { kind: 'start', form: 'network', name: spec.name, layers, loss } });
  const events = runNetwork(network, x, t ?? null, { train: spec.mode === 'train', check: msg.check ? spec.check : null });
  let lossValue: number | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      waiting.set(msg.runId, () => {
        try {
          const next = events.next();
          if (next.done || next.value.kind === 'done') return resolve();
          const e = next.value;
          if (e.kind === 'loss') lossValue = e.value;
          if (e.kind === 'backward' && e.index === 0) checking = msg.check;
          const { step, transfer } = toDebugStep(e, network, lossValue, msg.thresholds);
          post({ type: 'debug', runId: msg.runId, step }, transfer);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  } finally {
    waiting.delete(msg.runId);
  }
}
