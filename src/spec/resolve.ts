// A validated network spec to runnable data: reads files and MNIST through injected IO (so this module
// stays free of node:fs), draws random data from seeded streams, loads custom layers through the IO,
// and checks every shape before returning. Every failure is a problem on the value that caused it.
import { fmtCount } from '../format';
import type { Layer } from '../engine/layer';
import { CustomLayer, CustomLayerError, type CustomCall } from '../engine/layers/custom';
import { CustomLoss, type UserLoss } from '../engine/layers/custom-loss';
import type { Rng } from '../engine/rng';
import type { TrainData } from '../engine/train';
import { reshape } from '../engine/ops';
import { clone, sizeOf, tensor, type Tensor } from '../engine/tensor';
import { buildLayer } from './build';
import { decodeMnist, mnistBatch, MNIST_SPLIT_SIZE, type MnistDigits } from './mnist';
import type { DataSource, NetworkSpec, Phrase, Problem, PythonArg, Range } from './model';
import { allocationProblem, memoryProblems, type Job, type MemoryCapacity } from './memory';
import { npyDataOffset, npyLayout, NPY_PREAMBLE_BYTES, parseNpy } from './npy';
import { overLimit } from './parse-data';
import { englishOf, phrase, problemOf, specError, specWarning, thrown, thrownPhrase, type PhraseArgs, type SpecMessageId } from './problem';
import { expandedSpec, type PythonNetworkParts } from './python-network';
import { inferShapes, sourceShape, type CustomShape, type LayerShape } from './shapes';
import { streamRng } from './streams';
import { formatShape } from './suggest';

/** A data file opened for reading. */
export interface DataFile {
  /** Its size in bytes. */
  readonly size: number;
  /** Up to `length` bytes from byte `position` (fewer at the end of the file). */
  read(position: number, length: number): Uint8Array;
  close(): void;
}

/** File access, injected by the host (CLI, extension, tests). */
export interface SpecIO {
  /**
   * Opens a data file; `path` is relative to the spec's folder. Throws with the reason when it may
   * not or cannot be read (no such file, not a regular file, outside the allowed folders).
   */
  openFile(path: string): DataFile;
  /** Bytes of mnist-digits.bin. Throws when it cannot be read. */
  mnist(): Uint8Array;
  /**
   * The export of a custom layer's module (`path` as the spec writes it, relative to the spec's
   * folder), loaded by the host. Throws with a message when it cannot be loaded. Absent where
   * workspace code may not run (Restricted Mode): custom layers are then refused.
   */
  customModule?(path: string): unknown;
  /** Called before each call into custom layer `layer`'s code (the worker posts heartbeats from it). */
  onCustomCall?(layer: number, call: CustomCall): void;
  /** Called when that call returns or throws (the CLI's watchdog times each call). */
  onCustomReturn?(layer: number): void;
  /** What the host's engine can allocate, so that a run beyond it is refused with the figures. */
  memory?: MemoryCapacity;
  /** Told a custom layer's warning, whenever its code gives cause (an input written into, at any call). */
  onCustomWarning?(problem: Problem): void;
  /** Makes `type: python` layers' classes; absent where workspace code may not run, or there is no Python. */
  python?: PythonClasses;
}

/** The part of the worker's Python session (src/worker/python-session.ts) specs use. */
export interface PythonClasses {
  /** A custom layer's export for `className` of the .py `module`, constructed with `args`. Throws why it cannot be had. */
  layerClass(module: string, className: string, args: Readonly<Record<string, string | number | boolean | null | Tensor>>): unknown;
  /** Starts the Python process if it has not started: not user code, so done before a call is timed. Throws why it cannot start. */
  start?(): void;
  /** A whole network class's layers, lastLayer and gradient; throws why it cannot be had. */
  network(module: string, className: string, args: Readonly<Record<string, string | number | boolean | null | Tensor>>, seed: number): PythonNetworkParts;
  /** The loss object of `className`; throws why it cannot be had (no such class, no forward(x, t)). */
  lossObject(module: string, className: string, args: Readonly<Record<string, string | number | boolean | null | Tensor>>): UserLoss;
}

/** An in-memory file (tests, and hosts that hold the bytes already). */
export function memoryFile(bytes: Uint8Array): DataFile {
  return { size: bytes.length, read: (position, length) => bytes.subarray(position, position + length), close: () => {} };
}

/** Why a custom layer does not run in an untrusted workspace. */
export const CUSTOM_REFUSED = englishOf({ id: 'spec.customRefused', args: {} });

/** Why a python layer or node does not run in an untrusted workspace: no Python process is started. */
export const PYTHON_REFUSED = englishOf({ id: 'spec.pythonRefused', args: {} });

/** The Restricted Mode problem on each custom layer's type. */
export function refuseCustom(spec: NetworkSpec): Problem[] {
  const loss = [spec.pythonNetwork?.range, spec.pythonLoss && spec.lossRange].flatMap((range) => (range ? [specError(range, 'spec.pythonRefused')] : []));
  return [...spec.layers.flatMap((l) => (l.type === 'custom' ? [specError(l.typeRange, l.python ? 'spec.pythonRefused' : 'spec.customRefused')] : [])), ...loss];
}

/** Everything a run needs besides the layers themselves. */
export interface ResolvedData {
  /** The spec as it runs: a Python network's layers in place (else the spec as written). */
  spec: NetworkSpec;
  /** A Python network's parts, for the comparison with its own gradient(x, t). */
  net?: PythonNetworkParts;
  /** The input batch. */
  x: Tensor;
  /** Targets: labels [N] or values shaped like the output; null without a loss. */
  t: Tensor | null;
  /** Explicit parameter values per layer (by position in `layers`); a custom layer's are in its adapter. */
  weights: Record<string, Tensor>[];
  /** The custom layers, loaded and ready, by position in `layers` (null for built-in layers). */
  custom: (CustomLayer | null)[];
  /** The python loss, loaded and ready, when the spec has one. */
  customLoss?: CustomLoss;
  /** Shapes of every layer. */
  shapes: LayerShape[];
  /** Warnings found on the way (errors make the result `{ problems }` instead). */
  problems: Problem[];
}

/** Decoded digit files by their bytes, so a host that keeps the bytes decodes them once. */
const decoded = new WeakMap<Uint8Array, MnistDigits>();

/**
 * Resolves the data of `spec` and loads its custom layers, or returns the problems that prevent it.
 * A custom layer's output shape is found by running the network up to it on the input, once. The
 * memory `job` needs is estimated from the shapes then, before the network is built.
 */
export function resolveData(written: NetworkSpec, io: SpecIO, job: Job = 'run'): ResolvedData | { problems: Problem[] } {
  let spec = written;
  // Refused before anything is read: no module of an untrusted workspace is even opened.
  const refused = (l: NetworkSpec['layers'][number]) => l.type === 'custom' && (l.python ? !io.python : !io.customModule);
  const refusedLayers = spec.layers.filter(refused);
  const lossRefused = (spec.pythonLoss !== undefined || spec.pythonNetwork !== undefined) && !io.python;
  if (refusedLayers.length > 0 || lossRefused) {
    return { problems: refuseCustom({ ...spec, layers: refusedLayers, ...(!lossRefused && { pythonLoss: undefined, pythonNetwork: undefined }) }) };
  }
  const problems: Problem[] = [];
  const error = (range: Range, id: SpecMessageId | Phrase, args: PhraseArgs = {}): undefined => {
    problems.push(problemOf(typeof id === 'string' ? phrase(id, args) : id, range, 'error'));
    return undefined;
  };
  /**
   * An error of a Python class's code (it failed to import, construct or run), which the CLI exits 3
   * for; a module that is not there is the spec's error, as is any error of a JavaScript layer's module.
   */
  const pythonError = (range: Range, e: unknown): void => {
    const ofSpec = typeof e === 'object' && e !== null && (e as { ofSpec?: boolean }).ofSpec === true;
    problems.push(problemOf(thrownPhrase(e, 'spec.pythonError'), range, 'error', ofSpec ? {} : { fromCode: true }));
  };

  /** Why a tensor of `shape` cannot be allocated, as a problem on `range`; undefined when it can. */
  const unallocatable = (range: Range, what: string | Phrase, shape: readonly number[]): boolean => {
    const problem = allocationProblem(what, shape, spec.maxBytes, io.memory);
    if (problem) error(range, problem);
    return problem !== null;
  };
  /** A .npy file: a regular file, its header read and its size checked before its data is read. */
  const load = (source: Extract<DataSource, { kind: 'file' }>): Tensor | undefined => {
    let file: DataFile;
    try {
      file = io.openFile(source.path);
    } catch (e) {
      return error(source.range, 'spec.cannotReadFile', { path: source.path, error: thrown(e) });
    }
    try {
      const preamble = npyDataOffset(file.read(0, NPY_PREAMBLE_BYTES));
      if ('error' in preamble) return error(source.range, 'spec.npyError', { path: source.path, error: preamble.error });
      const header = npyLayout(file.read(0, preamble.dataOffset));
      if ('error' in header) return error(source.range, 'spec.npyError', { path: source.path, error: header.error });
      if (sizeOf(header.shape) > spec.maxElements) return error(source.range, overLimit(source.path, header.shape, spec.maxElements));
      if (unallocatable(source.range, source.path, header.shape)) return undefined;
      if (header.shape.includes(0)) return error(source.range, 'spec.fileEmpty', { path: source.path, shape: formatShape(header.shape) });
      const available = file.size - header.dataOffset;
      if (available < header.dataBytes) {
        return error(source.range, 'spec.npyTruncated', { path: source.path, shape: formatShape(header.shape), needed: fmtCount(header.dataBytes), available: fmtCount(available) });
      }
      const parsed = parseNpy(file.read(0, header.dataOffset + header.dataBytes));
      return 'error' in parsed ? error(source.range, 'spec.npyError', { path: source.path, error: parsed.error }) : parsed.tensor;
    } catch (e) {
      return error(source.range, 'spec.cannotReadFile', { path: source.path, error: thrown(e) });
    } finally {
      file.close();
    }
  };
  /** A data or file source as a data source with its own copy of the values. */
  const materialise = (source: DataSource): Exclude<DataSource, { kind: 'file' }> | undefined => {
    if (source.kind === 'data') return { ...source, tensor: clone(source.tensor) };
    if (source.kind !== 'file') return source;
    const loaded = load(source);
    return loaded && { kind: 'data', tensor: loaded, range: source.range };
  };

  /** A call that imports or constructs Python code (which may never return), timed as layer `index`'s. */
  const timedPython = <T>(index: number, body: () => T): T => {
    // Thrown by start (no interpreter): the layer's error all the same, and nothing was timed.
    io.python?.start?.();
    io.onCustomCall?.(index, 'construct');
    try {
      return body();
    } finally {
      io.onCustomReturn?.(index);
    }
  };

  // A Python network: its class runs now, and its layers take the place of the spec's.
  let net: PythonNetworkParts | undefined;
  if (spec.pythonNetwork) {
    const { module, className, args, range } = spec.pythonNetwork;
    try {
      net = timedPython(0, () => io.python!.network(module, className, pythonArgs(args, materialise, spec.seed, 0), spec.seed));
    } catch (e) {
      pythonError(range, e);
      return { problems };
    }
    if (net.layers.length === 0) return { problems: [specError(range, 'spec.netLayersEmpty', { className }, { fromCode: true })] };
    if (!net.loss && !spec.pythonLoss && spec.lossRange === range) {
      return { problems: [specError(range, 'spec.netNoLastLayer', { className }, { fromCode: true })] };
    }
    spec = expandedSpec(spec, net);
  }

  // When the text alone gives every shape, the job's memory is checked before anything is drawn or read.
  const input = spec.input;
  if (input.kind === 'random' && unallocatable(input.range, phrase('spec.what.theRandomInput'), input.shape ?? [])) return { problems };
  if (spec.target?.kind === 'random' && spec.target.shape && unallocatable(spec.target.range, phrase('spec.what.theRandomTarget'), spec.target.shape)) return { problems };
  const textShape = sourceShape(input, 'input');
  if (textShape && textShape.length >= 2) {
    const early = inferShapes(spec, textShape);
    if (early.layers.length === spec.layers.length && !early.problems.some((p) => p.severity === 'error')) {
      const found = memoryProblems(spec, textShape, early.layers, job, io.memory);
      if (found.length > 0) return { problems: found };
    }
  }

  // Input.
  let x: Tensor | undefined;
  let mnistLabels: Float64Array | undefined;
  if (input.kind === 'random') {
    x = draw(input.shape ?? [], input.dist, streamRng(spec.seed, 'input'));
  } else if (input.kind === 'dataset') {
    const digits = loadMnist(io);
    const batch = 'error' in digits ? digits : mnistBatch(digits, input.split, input.count, input.offset);
    if ('error' in batch) error(input.range, batch.error);
    else [x, mnistLabels] = [digitShaped(batch.x, input.shape), batch.labels];
  } else {
    const source = materialise(input);
    if (source?.kind === 'data') x = source.tensor;
    else if (source) error(input.range, 'spec.inputKinds');
  }

  // Explicit weights, custom layers' params and a data or file target.
  const materialiseAll = <T extends Record<string, DataSource>>(sources: T): T =>
    Object.fromEntries(Object.entries(sources).map(([p, source]) => [p, materialise(source)])) as T;
  const layers = spec.layers.map((layer) => ({
    ...layer,
    ...(layer.weights && { weights: materialiseAll(layer.weights) }),
    ...(layer.params && { params: materialiseAll(layer.params) }),
  }));
  const target = spec.target && materialise(spec.target);
  if (problems.length > 0 || !x || target === undefined) return { problems };
  const tensorsOf = (sources: Record<string, DataSource> = {}): Record<string, Tensor> => {
    const values: Record<string, Tensor> = {};
    for (const [p, source] of Object.entries(sources)) if (source.kind === 'data') values[p] = source.tensor;
    return values;
  };
  const weights = layers.map((layer) => tensorsOf(layer.weights));

  const custom = layers.map((layer, i) => {
    if (layer.type !== 'custom' || !layer.module) return null;
    const at = layer.moduleRange ?? layer.typeRange;
    let exported: unknown;
    try {
      const { python } = layer;
      exported = net ? net.layers[i].exported : python ? timedPython(i, () => io.python!.layerClass(layer.module!, python.className, pythonArgs(python.args, materialise, spec.seed, i))) : io.customModule!(layer.module);
    } catch (e) {
      // The Python session's messages name the module already.
      if (layer.python) pythonError(at, e);
      else error(at, 'spec.cannotLoadModule', { module: layer.module, error: thrown(e) });
      return null;
    }
    try {
      return new CustomLayer(layer.name, i, exported, tensorsOf(layer.params), (call) => io.onCustomCall?.(i, call), () => io.onCustomReturn?.(i), spec.maxElements, {
        python: layer.python !== undefined,
        onWarning: (message) => io.onCustomWarning?.(specWarning(layer.typeRange, 'spec.customWarning', { warning: message })),
      });
    } catch (e) {
      if (!(e instanceof CustomLayerError)) throw e;
      if (layer.python) pythonError(at, e);
      else error(at, thrownPhrase(e));
      return null;
    }
  });
  let customLoss: CustomLoss | undefined;
  const lossWarning = (message: string) => io.onCustomWarning?.(specWarning(spec.lossRange, 'spec.customWarning', { warning: message }));
  const netLoss = net?.loss;
  if (netLoss && spec.lossRange === spec.pythonNetwork?.range) {
    const index = spec.layers.length;
    customLoss = new CustomLoss(netLoss.name, index, netLoss.user, (call) => io.onCustomCall?.(index, call), () => io.onCustomReturn?.(index), lossWarning);
  } else if (spec.pythonLoss) {
    const { module, className, args } = spec.pythonLoss;
    const index = spec.layers.length;
    try {
      const user = timedPython(index, () => io.python!.lossObject(module, className, pythonArgs(args, materialise, spec.seed, index)));
      customLoss = new CustomLoss(className, index, user, (call) => io.onCustomCall?.(index, call), () => io.onCustomReturn?.(index), lossWarning);
    } catch (e) {
      pythonError(spec.lossRange, e);
    }
  }
  if (problems.length > 0) return { problems };

  const resolvedSpec: NetworkSpec = { ...spec, layers, target };
  // The network up to each custom layer, built and run on x once, in order.
  const train = spec.mode === 'train';
  const built: Layer[] = [];
  let y = x;
  const customShape: CustomShape = (index, _inShape, before) => {
    try {
      for (let i = built.length; i <= index; i++) {
        built.push(buildLayer(resolvedSpec, i, { shapes: before, weights, custom }));
        y = built[i].forward(y, train);
      }
      return { outShape: [...y.shape], paramShapes: Object.fromEntries(built[index].params.map((p) => [p.name, [...p.value.shape]])) };
    } catch (e) {
      return { error: thrownPhrase(e) };
    }
  };
  const shapes = inferShapes(resolvedSpec, [...x.shape], customShape);
  problems.push(...shapes.problems);
  if (problems.some((p) => p.severity === 'error')) return { problems };
  problems.push(...memoryProblems(resolvedSpec, x.shape, shapes.layers, job, io.memory));
  if (problems.some((p) => p.severity === 'error')) return { problems };

  const n = x.shape[0];
  const out = shapes.layers.length > 0 ? shapes.layers[shapes.layers.length - 1].outShape : [...x.shape];
  let t: Tensor | null = null;
  if (spec.loss && target) {
    switch (target.kind) {
      case 'data':
        t = target.tensor;
        break;
      case 'labels':
        t = tensor([n], Float64Array.from(target.labels));
        break;
      case 'dataset':
        t = tensor([n], mnistLabels);
        break;
      case 'random':
        t = randomTarget(target, spec.loss, out, streamRng(spec.seed, 'target'));
        break;
    }
  }
  return { spec, x, t, weights, custom, ...(customLoss && { customLoss }), ...(net && { net }), shapes: shapes.layers, problems };
}

/**
 * The sets a `train:` section trains and evaluates on: the resolved input and targets for training;
 * for testing, all 2,000 digits of the MNIST test split when the input is MNIST's train split, else
 * none (the training rows again would only report the training accuracy under another name).
 */
export function trainingSets(spec: NetworkSpec, x: Tensor, t: Tensor, io: SpecIO): TrainData | { problems: Problem[] } {
  if (spec.input.kind !== 'dataset' || spec.input.split !== 'train') return { xTrain: x, tTrain: t };
  const digits = loadMnist(io);
  const test = 'error' in digits ? digits : mnistBatch(digits, 'test', MNIST_SPLIT_SIZE.test, 0);
  if ('error' in test) return { problems: [problemOf(test.error, spec.input.range, 'error')] };
  return { xTrain: x, tTrain: t, xTest: digitShaped(test.x, spec.input.shape), tTest: tensor([MNIST_SPLIT_SIZE.test], test.labels) };
}

/** The digit set, decoded once per byte array. */
function loadMnist(io: SpecIO): MnistDigits | { error: Phrase } {
  let bytes: Uint8Array;
  try {
    bytes = io.mnist();
  } catch (e) {
    return { error: phrase('spec.cannotReadMnist', { error: thrown(e) }) };
  }
  const cached = decoded.get(bytes);
  if (cached) return cached;
  const digits = decodeMnist(bytes);
  if ('error' in digits) return { error: phrase('spec.mnistError', { error: digits.error }) };
  decoded.set(bytes, digits);
  return digits;
}

/** A python layer's constructor arguments: arrays materialised, normals drawn from layer `index`'s init stream. */
function pythonArgs(args: Record<string, PythonArg>, materialise: (s: DataSource) => DataSource | undefined, seed: number, index: number): Record<string, string | number | boolean | null | Tensor> {
  const rng = streamRng(seed, 'init', index);
  const out: Record<string, string | number | boolean | null | Tensor> = {};
  for (const [name, arg] of Object.entries(args)) {
    if (arg.kind === 'value') out[name] = arg.value;
    else if (arg.kind === 'normal') {
      const t = draw(arg.shape, 'normal', rng);
      for (let k = 0; k < t.data.length; k++) t.data[k] *= arg.std;
      out[name] = t;
    } else {
      const source = materialise(arg.source);
      if (source?.kind !== 'data') throw new Error(`${name} could not be read`);
      out[name] = source.tensor;
    }
  }
  return out;
}

/** A tensor of uniform [0, 1) or standard normal draws, in row-major order. */
function draw(shape: readonly number[], dist: 'uniform' | 'normal', rng: Rng): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = dist === 'uniform' ? rng.next() : rng.normal();
  return t;
}

/**
 * Random targets for output shape `out`. Class labels [N] (uniform over the output's classes) when
 * the loss is softmax-with-loss or the shape is [N]; one-hot rows when softmax-with-loss gets a shape
 * [N, C]; otherwise values like the output drawn from `dist`.
 */
function randomTarget(target: Extract<DataSource, { kind: 'random' }>, loss: 'softmax-with-loss' | 'mse', out: number[], rng: Rng): Tensor {
  const shape = target.shape ?? (loss === 'softmax-with-loss' ? [out[0]] : out);
  if (shape.length === 2 && loss === 'softmax-with-loss') {
    const [n, c] = shape;
    const oneHot = tensor(shape);
    for (let i = 0; i < n; i++) oneHot.data[i * c + Math.floor(rng.next() * c)] = 1;
    return oneHot;
  }
  if (shape.length === 1 && out.length === 2) {
    const labels = tensor(shape);
    for (let i = 0; i < labels.data.length; i++) labels.data[i] = Math.floor(rng.next() * out[1]);
    return labels;
  }
  return draw(shape, target.dist, rng);
}

/** MNIST rows [count, 784] with each digit in the spec's `shape` (such as [1, 28, 28]), if it gives one. */
function digitShaped(x: Tensor, shape: readonly number[] | undefined): Tensor {
  return shape ? reshape(x, [x.shape[0], ...shape]) : x;
}
