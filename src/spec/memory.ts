// A run's memory, estimated from its shapes before anything large is allocated: every tensor a run,
// a gradient check or training keeps (float64, 8 bytes an element), checked against the spec's
// limits.maxBytes and against what the host's engine can allocate at all.
import { fmtCount } from '../format';
import { sizeOf } from '../engine/tensor';
import { MNIST_PIXELS, MNIST_SPLIT_SIZE } from './mnist';
import type { NetworkSpec, Phrase, Problem } from './model';
import { phrase, specError } from './problem';
import type { LayerShape } from './shapes';
import { formatShape } from './suggest';

/** What a spec is loaded for: a run, a run with the gradient check, or training. */
export type Job = 'run' | 'check' | 'train';

/** What the host's engine can allocate. */
export interface MemoryCapacity {
  /** Most elements one Float64Array may have. */
  maxTensorElements: number;
  /** Most bytes of tensors in all (the machine's memory). */
  totalBytes: number;
}

/** The default of limits.maxBytes. */
export const DEFAULT_MAX_BYTES = 1e9;

/** 1.2 GB, 340 MB, 12 kB, 800 bytes. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) if (bytes >= size) return `${Number((bytes / size).toPrecision(3))} ${unit}`;
  return `${bytes} bytes`;
}

/** formatBytes as a message argument: "800 bytes" is a phrase, since the word translates. */
function bytesArg(bytes: number): string | Phrase {
  const text = formatBytes(bytes);
  return text.endsWith(' bytes') ? phrase('spec.bytes', { count: String(bytes) }) : text;
}

/**
 * Why a tensor `what` of `shape`, about to be allocated, cannot be: over what the engine can
 * allocate, or over limits.maxBytes on its own. Null when it fits.
 */
export function allocationProblem(what: string | Phrase, shape: readonly number[], maxBytes: number, capacity: MemoryCapacity | undefined): Phrase | null {
  const bytes = 8 * sizeOf(shape);
  const most = capacity && Math.min(8 * capacity.maxTensorElements, capacity.totalBytes);
  const args = { what, shape: formatShape(shape), bytes: bytesArg(bytes) };
  if (most !== undefined && bytes > most && most < maxBytes) return phrase('spec.tensorOverCapacity', { ...args, most: bytesArg(most) });
  if (bytes > maxBytes) return phrase('spec.tensorOverLimit', { ...args, limit: bytesArg(maxBytes) });
  return null;
}

/** What a layer keeps for backward, in elements, beyond its output: masks, outputs, normalised inputs. */
function keptElements(layer: LayerShape): number {
  const out = sizeOf(layer.outShape);
  switch (layer.type) {
    case 'affine':
      return 0; // its input, which the layer before holds anyway
    case 'convolution':
      // Its input, held by the layer before; one sample's columns and their gradient while it runs.
      return (2 * out * sizeOf(layer.paramShapes.W)) / (layer.inShape[0] * layer.outShape[1] ** 2);
    case 'pooling':
      return out + sizeOf(layer.inShape); // the winners, and the mask shown of them
    case 'batchnorm':
      return 2 * out; // xc and xn
    default:
      return out; // mask, out, or (custom) the user's own result beside the engine's copy
  }
}

/**
 * Elements a job holds at its peak, by layer, and the rest (input, targets, loss, training sets).
 * Per layer: output, what it keeps, dx, and each parameter three times (value, the run's copy,
 * gradient). The check adds, per layer, the perturbed copy of its input, f(x ± h) and the error
 * tensors it keeps for each element of dx and of each parameter, its random R and its cached
 * output. A run or check comparing inits holds each variant's output and dx too. Training holds
 * the layers at `batch` rows, the optimizer's state and the fast step's buffers, and evaluates the
 * training and test rows a batch at a time.
 */
function jobElements(spec: NetworkSpec, inputShape: readonly number[], shapes: readonly LayerShape[], job: Job): { layers: number[]; rest: number } {
  const rows = inputShape[0];
  const batch = job === 'train' && spec.train ? spec.train.batch : rows;
  const scale = batch / rows;
  const out = shapes.length > 0 ? sizeOf(shapes[shapes.length - 1].outShape) : sizeOf(inputShape);
  let rest = sizeOf(inputShape) + (spec.loss ? 3 * out * scale : 0);
  const layers = shapes.map((s) => {
    const inE = sizeOf(s.inShape);
    const outE = sizeOf(s.outShape);
    const kept = keptElements(s);
    const P = s.paramCount;
    // A comparison of inits runs each variant after the run, holding each one's output and dx.
    const variants = spec.compare?.key === 'init' ? spec.compare.variants.length * (outE + inE) : 0;
    if (job === 'check') return outE + kept + inE + 3 * P + 8 * inE + 2 * outE + 9 * P + variants;
    if (job === 'run') return outE + kept + inE + 3 * P + variants;
    // A step at `batch` rows, the evaluation's forward (`batch` rows at a time), params, grads, optimizer state (2P for adam) and the fast step's copies.
    return (outE + kept + inE) * scale + (outE + kept) * scale + 6 * P;
  });
  if (job === 'train') {
    rest += batch * (sizeOf(inputShape) / rows) + rows; // the minibatch's rows and the targets
    if (spec.input.kind === 'dataset' && spec.input.split === 'train') rest += MNIST_SPLIT_SIZE.test * (MNIST_PIXELS + 1);
  }
  return { layers, rest };
}

/**
 * The job's memory against limits.maxBytes and the host's capacity, and a training batch against
 * the training rows: a problem on the value to change, or none.
 */
export function memoryProblems(spec: NetworkSpec, inputShape: readonly number[], shapes: readonly LayerShape[], job: Job, capacity: MemoryCapacity | undefined): Problem[] {
  const rows = inputShape[0];
  if (job === 'train' && spec.train && spec.train.batch > rows) {
    const args = { batch: fmtCount(spec.train.batch), rows: fmtCount(rows) };
    return [specError(spec.train.batchRange, rows === 1 ? 'spec.batchOverRowsOne' : 'spec.batchOverRows', args)];
  }
  const { layers, rest } = jobElements(spec, inputShape, shapes, job);
  const bytes = 8 * (rest + layers.reduce((a, b) => a + b, 0));
  const most = capacity?.totalBytes ?? Infinity;
  const limit = Math.min(spec.maxBytes, most);
  if (bytes <= limit) return [];
  let top = 0;
  layers.forEach((e, i) => (e > layers[top] ? (top = i) : 0));
  const args = {
    what: phrase(job === 'train' ? 'spec.what.thisTraining' : job === 'check' ? 'spec.what.thisCheck' : 'spec.what.thisRun'),
    bytes: bytesArg(bytes),
    smaller: phrase(job === 'train' ? 'spec.smallerTrain' : 'spec.smaller'),
    ...(layers.length > 0 && { layer: shapes[top].name, most: bytesArg(8 * layers[top]) }),
  };
  const range = job === 'train' && spec.train ? spec.train.batchRange : layers.length > 0 ? spec.layers[top].typeRange : spec.input.range;
  if (spec.maxBytes <= most) return [specError(range, layers.length > 0 ? 'spec.jobOverLimitShare' : 'spec.jobOverLimit', { ...args, limit: bytesArg(spec.maxBytes) })];
  return [specError(range, layers.length > 0 ? 'spec.jobOverCapacityShare' : 'spec.jobOverCapacity', { ...args, capacity: bytesArg(most) })];
}
