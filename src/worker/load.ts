// Loading a spec in the worker, shared by runs and training: its data files, the digits, and (in a
// trusted workspace) its custom layers' modules.
import { readFileSync } from 'node:fs';
import type { CallClock } from '../call-clock';
import { engineMemory, openDataFile } from '../node-io';
import type { Sequential } from '../engine/network';
import type { Tensor } from '../engine/tensor';
import type { HostToWorker, LayerInfo, WorkerToHost } from '../protocol';
import { loadSpec, type LayerShape, type LoadedSpec as Loaded, type NetworkSpec, type SpecIO } from '../spec';
import type { Problem } from '../spec/model';
import { layerTypeName, lossTypeName } from '../spec/type-names';
import { loadSpecModules } from './custom-loader';
import { lazyPython } from './python-io';
import type { PythonSession } from './python-session';

/** A loaded spec without errors, the file access it was loaded with, and its Python (made on first use). */
export type LoadedSpec = Loaded & { io: SpecIO; python: () => PythonSession; warnings: Problem[] };

/** Posts to the host, transferring `transfer`. */
export type Post = (msg: WorkerToHost, transfer?: ArrayBuffer[]) => void;

/** Static facts of every layer and of the loss. */
export function networkInfo(spec: NetworkSpec, shapes: readonly LayerShape[], network: Sequential, x: Tensor): { layers: LayerInfo[]; loss: LayerInfo | null } {
  const layers = shapes.map((s, i) => ({
    name: s.name,
    type: layerTypeName(spec.layers[i]),
    inShape: s.inShape,
    outShape: s.outShape,
    paramCount: s.paramCount,
    line: spec.layers[i].range.start.line,
  }));
  const loss: LayerInfo | null = network.loss && {
    name: network.loss.name,
    type: lossTypeName(spec, network.loss.name) ?? network.loss.type,
    inShape: layers.at(-1)?.outShape ?? [...x.shape],
    outShape: [],
    paramCount: 0,
    line: spec.lossRange.start.line,
  };
  return { layers, loss };
}

/** The digits file, read once per worker: every run of an MNIST spec needs it. */
let mnist: { path: string; bytes: Uint8Array } | null = null;

function mnistBytes(path: string): Uint8Array {
  if (mnist?.path !== path) mnist = { path, bytes: readFileSync(path) };
  return mnist.bytes;
}

/**
 * Loads the spec of `msg` (reading data files and, when allowed, custom modules) and posts its
 * problems; null when it has errors. Each call into a custom layer's code is marked on `clock`, as
 * the check's while `checking()` says so.
 */
export async function load(msg: Exclude<HostToWorker, { type: 'baseline' }>, post: Post, clock: CallClock, checking: () => boolean): Promise<LoadedSpec | null> {
  // Nothing of an untrusted workspace's modules is read.
  const customModule = msg.allowCustom ? await loadSpecModules(msg.text, msg.fileName, msg.folder, (layer) => clock.enter(layer, 'load')) : undefined;
  clock.leave();
  // Warnings user code gives after these problems were posted (an input written into in backward) come at the end.
  const warnings: Problem[] = [];
  const python = lazyPython(msg.folder, msg.python, clock);
  const io: SpecIO = {
    openFile: (path) => openDataFile(msg.folder, path, msg.confineTo),
    ...(msg.allowCustom && { python }),
    onCustomWarning: (problem) => warnings.push(problem),
    mnist: () => mnistBytes(msg.mnistPath),
    ...(customModule && { customModule }),
    onCustomCall: (layer, call) => clock.enter(layer, checking() ? 'check' : call),
    onCustomReturn: () => clock.leave(),
    memory: engineMemory(),
  };
  const job = msg.type === 'train' || (msg.type === 'debug' && msg.train) ? 'train' : msg.check ? 'check' : 'run';
  const loaded = loadSpec(msg.text, msg.fileName, io, { allowCustom: msg.allowCustom, job });
  const problems = [...loaded.problems, ...warnings.splice(0)];
  post({ type: 'problems', runId: msg.runId, problems });
  return loaded.spec && !problems.some((p) => p.severity === 'error') ? { ...loaded, problems, io, python: python.session, warnings } : null;
}
