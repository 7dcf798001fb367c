// The engine's thread. It loads a spec, runs it and posts each event as the engine yields it, so the
// extension host only forwards messages. Cancelling a run means terminating this worker; so does a
// custom layer that stays silent too long (see heartbeat.ts). Runs are handled one at a time.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { evaluateGraph } from '../engine/graph';
import { gradientHealth } from '../engine/health';
import { CustomLayerError } from '../engine/layers/custom';
import { runNetwork, type RunEvent as EngineEvent } from '../engine/run';
import { loadSpec, type GraphSpec, type LayerShape, type NetworkSpec, type SpecIO } from '../spec';
import type { HostToWorker, LayerInfo, WorkerToHost } from '../protocol';
import { loadSpecModules } from './custom-loader';
import { Heartbeat } from './heartbeat';
import { toWire } from './wire';

if (!parentPort) throw new Error('the Backprop Lens worker must run in a worker thread');
const port = parentPort;

/** Posts to the host; every message but a heartbeat ends a custom phase, so the heartbeat hears of it. */
type Post = (msg: WorkerToHost, transfer?: ArrayBuffer[]) => void;

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

function runGraph(post: Post, runId: number, spec: GraphSpec, started: number): void {
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

async function run(msg: HostToWorker, post: Post, beats: Heartbeat): Promise<void> {
  const started = performance.now();
  // Calls into custom code during the check are its 'check' phase; before it, the method's name.
  let checking = false;
  const io: SpecIO = {
    readFile: (path: string) => readFileSync(resolve(msg.folder, path)),
    mnist: () => mnistBytes(msg.mnistPath),
    // Nothing of an untrusted workspace's modules is read.
    ...(msg.allowCustom === true && { customModule: await loadSpecModules(msg.text, msg.fileName, msg.folder, (layer) => beats.beat(layer, 'load')) }),
    onCustomCall: (layer, method) => beats.beat(layer, checking ? 'check' : method),
  };
  const loaded = loadSpec(msg.text, msg.fileName, io, { allowCustom: msg.allowCustom === true });
  const errors = loaded.problems.some((p) => p.severity === 'error');
  post({ type: 'problems', runId: msg.runId, problems: loaded.problems });
  if (!loaded.spec || errors) return;
  if (loaded.spec.form === 'graph') return runGraph(post, msg.runId, loaded.spec, started);

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
    // Backward ends at the first layer; the check, if any, comes next.
    if (e.kind === 'backward' && e.index === 0) checking = msg.check;
    if (e.kind === 'check' && !e.result.ok) ok = false;
    const { event, transfer } = toWire(e);
    post({ type: 'event', runId: msg.runId, event }, transfer);
  }
  post({ type: 'event', runId: msg.runId, event: { kind: 'findings', findings: gradientHealth(events, msg.thresholds) } });
  if (lossValue !== null && !Number.isFinite(lossValue)) ok = false;
  post({ type: 'event', runId: msg.runId, event: { kind: 'done', loss: lossValue, ok, elapsedMs: performance.now() - started } });
}

/** Runs one request; a failure (a custom layer's, tied to its index) becomes a 'failed' message. */
async function handle(msg: HostToWorker): Promise<void> {
  const beats = new Heartbeat((layer, phase) => port.postMessage({ type: 'heartbeat', runId: msg.runId, layer, phase } satisfies WorkerToHost));
  const post: Post = (m, transfer = []) => {
    beats.reset();
    port.postMessage(m, transfer);
  };
  try {
    await run(msg, post, beats);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    post({ type: 'failed', runId: msg.runId, message, ...(e instanceof CustomLayerError && { layer: e.layer }) });
  }
}

// Loading a module is asynchronous; the queue keeps runs whole and in order.
let queue = Promise.resolve();
port.on('message', (msg: HostToWorker) => {
  queue = queue.then(() => handle(msg));
});
