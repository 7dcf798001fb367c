// One job of the engine worker, whatever thread it runs on: load the spec, run it (or train it) and
// post each event as the engine yields it, then 'end'; or read a saved run as a baseline. Every call
// into user code is marked on the clock, which the host watches; a failure (a custom layer's, tied to
// its index) becomes 'failed'.
import { inflateRawSync } from 'node:zlib';
import type { CallClock } from '../call-clock';
import { evaluateGraph } from '../engine/graph';
import { gradientHealth } from '../engine/health';
import { CustomLayerError } from '../engine/layers/custom';
import { EngineError } from '../engine/messages';
import { runNetwork, type RunEvent as EngineEvent } from '../engine/run';
import { graphTensors, runTensors, type RecordedTensor } from '../engine/run-record';
import { readSavedRun, runNpz, type RunInfo } from '../spec/npz';
import { englishOf } from '../spec/problem';
import { initVariants, type GraphSpec } from '../spec';
import { gradientProblems } from '../spec/python-network';
import { sentenceOf } from '../message';
import type { HostToWorker } from '../protocol';
import { baselineWire } from './baseline-wire';
import { debugSpec } from './debug';
import { load, networkInfo, type LoadedSpec, type Post } from './load';
import { pythonNodes } from './python-io';
import { trainSpec } from './train';
import { toWire } from './wire';

/** Posts `tensors` as the run's .npz file, when the job asked to save it. */
function postSaved(msg: Extract<HostToWorker, { type: 'run' }>, post: Post, tensors: readonly RecordedTensor[], info: Omit<RunInfo, 'spec' | 'shapes'>): void {
  if (!msg.save) return;
  const npz = runNpz(tensors, { spec: msg.fileName, ...info }).buffer as ArrayBuffer;
  post({ type: 'saved', runId: msg.runId, npz }, [npz]);
}

function runGraph(msg: Extract<HostToWorker, { type: 'run' }>, post: Post, loaded: LoadedSpec & { spec: GraphSpec }, clock: CallClock, started: number): void {
  const runId = msg.runId;
  const spec = loaded.spec;
  const inputs = Object.fromEntries(spec.inputs.map((i) => [i.name, i.value]));
  const result = evaluateGraph(inputs, pythonNodes(spec, loaded.python, clock), spec.output);
  const nodes = [
    ...spec.inputs.map((i) => ({ name: i.name, op: 'input', in: [], line: i.range.start.line })),
    ...spec.nodes.map((n) => ({ name: n.name, op: n.op, in: n.in, line: n.range.start.line })),
  ].map((n) => ({ ...n, value: result.values.get(n.name)!, grad: result.grads.get(n.name)! }));
  post({ type: 'event', runId, event: { kind: 'graph', name: spec.name, output: spec.output, nodes } });
  postSaved(msg, post, graphTensors(result), { name: spec.name, loss: result.values.get(spec.output)! });
  const ok = nodes.every((n) => Number.isFinite(n.value) && Number.isFinite(n.grad));
  post({ type: 'event', runId, event: { kind: 'done', loss: null, ok, elapsedMs: performance.now() - started } });
}

async function run(msg: Extract<HostToWorker, { type: 'run' }>, post: Post, clock: CallClock): Promise<void> {
  const started = performance.now();
  // Calls into custom code during the check are its 'check' phase; before it, the method's name.
  let checking = false;
  const loaded = await load(msg, post, clock, () => checking);
  if (!loaded?.spec) return;
  if (loaded.spec.form === 'graph') return runGraph(msg, post, { ...loaded, spec: loaded.spec }, clock, started);

  const spec = loaded.spec;
  const { network, x, t, shapes } = loaded;
  if (!network || !x || !shapes) return;
  const { layers, loss } = networkInfo(spec, shapes, network, x);
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
    const { event, transfer, held } = toWire(e);
    post({ type: 'event', runId: msg.runId, event, ...(held.length > 0 && { held }) }, transfer);
  }
  if (loaded.net && t) {
    // The class's own gradient(x, t) is user code too, timed as the loss's calls are.
    clock.enter(spec.layers.length, 'check');
    loaded.warnings.push(...gradientProblems(spec, loaded.net, network, x, t));
    clock.leave();
  }
  if (loaded.warnings.length > 0) post({ type: 'problems', runId: msg.runId, problems: [...loaded.problems, ...loaded.warnings] });
  post({ type: 'event', runId: msg.runId, event: { kind: 'findings', findings: gradientHealth(events, msg.thresholds) } });
  const compared = initVariants({ ...loaded, spec, x });
  if (compared) post({ type: 'event', runId: msg.runId, event: { kind: 'variants', ...compared } });
  if (lossValue !== null && !Number.isFinite(lossValue)) ok = false;
  postSaved(msg, post, runTensors(events), { name: spec.name, seed: spec.seed, loss: lossValue });
  post({ type: 'event', runId: msg.runId, event: { kind: 'done', loss: lossValue, ok, elapsedMs: performance.now() - started } });
}

/** Runs one job to its end; a failure becomes a 'failed' message instead of 'end'. */
export async function runJob(msg: HostToWorker, post: Post, clock: CallClock): Promise<void> {
  try {
    if (msg.type === 'train') await trainSpec(msg, post, clock);
    else if (msg.type === 'debug') await debugSpec(msg, post, clock);
    else if (msg.type === 'baseline') readBaseline(msg, post);
    else await run(msg, post, clock);
    // A promise user code rejected and nobody handled ends this thread once this task is done: let
    // that happen under this job, which then fails on the layer, rather than between jobs.
    await new Promise((resolve) => setImmediate(resolve));
    post({ type: 'end', runId: msg.runId });
  } catch (e) {
    clock.leave();
    const message = e instanceof Error ? e.message : String(e);
    // An engine message goes with its id, so the host can say it in the user's language.
    const said = e instanceof CustomLayerError || e instanceof EngineError ? { id: e.id, args: e.args } : {};
    post({ type: 'failed', runId: msg.runId, message, ...said, ...(e instanceof CustomLayerError && { layer: e.layer }) });
  }
}

/**
 * Reads the baseline job's .npz and posts its baseline, or fails with why it holds none. Here, not on
 * the host: a 130 MB saved run takes half a second to check and copy.
 */
export function readBaseline(msg: Extract<HostToWorker, { type: 'baseline' }>, post: Post): void {
  const read = readSavedRun(msg.npz, (compressed) => inflateRawSync(compressed));
  if ('error' in read) return post({ type: 'failed', runId: msg.runId, ...sentenceOf({ ...read.error, message: englishOf(read.error) }) });
  const baseline = baselineWire(read.arrays, msg.label);
  post({ type: 'baseline', runId: msg.runId, baseline }, baseline.tensors.flatMap((t) => (t.tensor.buffer.byteLength > 0 ? [t.tensor.buffer] : [])));
}
