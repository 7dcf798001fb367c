// The engine's thread. It loads a spec, runs it and posts each event as the engine yields it, so the
// extension host only forwards messages. Cancelling a run means terminating this worker.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { evaluateGraph } from '../engine/graph';
import { gradientHealth } from '../engine/health';
import { runNetwork, type RunEvent as EngineEvent } from '../engine/run';
import { loadSpec, type GraphSpec, type LayerShape, type NetworkSpec } from '../spec';
import type { HostToWorker, LayerInfo, WorkerToHost } from '../protocol';
import { toWire } from './wire';

const port = parentPort;
if (!port) throw new Error('the Backprop Lens worker must run in a worker thread');

const post = (msg: WorkerToHost, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

function layerInfos(spec: NetworkSpec, shapes: readonly LayerShape[]): LayerInfo[] {
  return shapes.map((s, i) => ({
    name: s.name,
    type: s.type,
    inShape: s.inShape,
    outShape: s.outShape,
    paramCount: s.paramCount,
    line: spec.layers[i].range.start.line,
  }));
}

function runGraph(runId: number, spec: GraphSpec, started: number): void {
  const inputs = Object.fromEntries(spec.inputs.map((i) => [i.name, i.value]));
  const result = evaluateGraph(inputs, spec.nodes, spec.output);
  const nodes = [
    ...spec.inputs.map((i) => ({ name: i.name, op: 'input', in: [], line: i.range.start.line })),
    ...spec.nodes.map((n) => ({ name: n.name, op: n.op, in: n.in, line: n.range.start.line })),
  ].map((n) => ({ ...n, value: result.values[n.name], grad: result.grads[n.name] }));
  post({ type: 'event', runId, event: { kind: 'graph', name: spec.name, output: spec.output, nodes } });
  const ok = nodes.every((n) => Number.isFinite(n.value) && Number.isFinite(n.grad));
  post({ type: 'event', runId, event: { kind: 'done', loss: null, ok, elapsedMs: performance.now() - started } });
}

/** The digits file, read once per worker: every run of an MNIST spec needs it. */
let mnist: { path: string; bytes: Uint8Array } | null = null;

function mnistBytes(path: string): Uint8Array {
  if (mnist?.path !== path) mnist = { path, bytes: readFileSync(path) };
  return mnist.bytes;
}

function run(msg: HostToWorker): void {
  const started = performance.now();
  const io = { readFile: (path: string) => readFileSync(resolve(msg.folder, path)), mnist: () => mnistBytes(msg.mnistPath) };
  const loaded = loadSpec(msg.text, msg.fileName, io);
  const errors = loaded.problems.some((p) => p.severity === 'error');
  post({ type: 'problems', runId: msg.runId, problems: loaded.problems });
  if (!loaded.spec || errors) return;
  if (loaded.spec.form === 'graph') return runGraph(msg.runId, loaded.spec, started);

  const spec = loaded.spec;
  const { network, x, t, shapes } = loaded;
  if (!network || !x || !shapes) return;
  const layers = layerInfos(spec, shapes);
  const loss: LayerInfo | null = network.loss && {
    name: network.loss.name,
    type: network.loss.type,
    inShape: layers.at(-1)?.outShape ?? [...x.shape],
    outShape: [],
    paramCount: 0,
    line: spec.lossRange.start.line,
  };
  post({ type: 'event', runId: msg.runId, event: { kind: 'start', form: 'network', name: spec.name, layers, loss } });
  let ok = true;
  let lossValue: number | null = null;
  // Kept for the health findings at the end; the tensors live on in the network anyway.
  const events: EngineEvent[] = [];
  for (const e of runNetwork(network, x, t ?? null, { train: spec.mode === 'train', check: msg.check ? spec.check : null })) {
    if (e.kind === 'done') {
      lossValue = e.loss;
      continue;
    }
    events.push(e);
    if (e.kind === 'check' && !e.result.ok) ok = false;
    const { event, transfer } = toWire(e);
    post({ type: 'event', runId: msg.runId, event }, transfer);
  }
  post({ type: 'event', runId: msg.runId, event: { kind: 'findings', findings: gradientHealth(events, msg.thresholds) } });
  if (lossValue !== null && !Number.isFinite(lossValue)) ok = false;
  post({ type: 'event', runId: msg.runId, event: { kind: 'done', loss: lossValue, ok, elapsedMs: performance.now() - started } });
}

port.on('message', (msg: HostToWorker) => {
  try {
    run(msg);
  } catch (e) {
    post({ type: 'failed', runId: msg.runId, message: e instanceof Error ? e.message : String(e) });
  }
});
