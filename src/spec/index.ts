// The spec language in one call: text → parsed spec, problems, shapes, and (with IO) a runnable
// network with its data. The parts are exported too, for hosts that need only one step.
import type { Sequential } from '../engine/network';
import type { Tensor } from '../engine/tensor';
import { buildNetwork } from './build';
import type { Problem, Spec } from './model';
import { parseSpec } from './parse';
import { refuseCustom, resolveData, type SpecIO } from './resolve';
import { inferShapes, sourceShape, type LayerShape } from './shapes';

export type * from './model';
export { buildNetwork } from './build';
export { decodeMnist, mnistBatch, MNIST_PIXELS, MNIST_SPLIT_SIZE, type MnistDigits } from './mnist';
export { npyShape, parseNpy } from './npy';
export { defaultSpecName, parseSpec, type ParseResult } from './parse';
export { CUSTOM_REFUSED, resolveData, trainingSets, type ResolvedData, type SpecIO } from './resolve';
export { inferShapes, sourceShape, type LayerShape, type ShapeResult } from './shapes';
export { streamSeed } from './streams';

/** What loadSpec found: always the problems; the later parts when every step before them succeeded. */
export interface LoadedSpec {
  /** The parsed spec, or null when parsing found errors. */
  spec: Spec | null;
  /** Every problem from parsing, shape inference and data loading. */
  problems: Problem[];
  /** Layer shapes of a network spec, when they can be inferred (with IO, or from a static input). */
  shapes?: LayerShape[];
  /** The network, ready to run (network specs loaded with IO and without errors). */
  network?: Sequential;
  /** The input batch (with IO). */
  x?: Tensor;
  /** The targets, or null without a loss (with IO). */
  t?: Tensor | null;
}

/** How a spec may be loaded. */
export interface LoadOptions {
  /** False in an untrusted workspace (Restricted Mode): custom layers get a problem, and their modules are never asked for. */
  allowCustom?: boolean;
}

/**
 * Parses, checks and (given `io`) loads a spec. Without `io` it stops after shape inference, which
 * suits editor diagnostics; an input read from a file, or a custom layer (whose output shape is
 * known only by running it), then leaves the shapes unknown. Never throws.
 */
export function loadSpec(text: string, fileName: string, io?: SpecIO, options: LoadOptions = {}): LoadedSpec {
  const { spec, problems } = parseSpec(text, fileName);
  if (!spec || spec.form === 'graph' || problems.some((p) => p.severity === 'error')) return { spec, problems };
  const refused = options.allowCustom === false ? refuseCustom(spec) : [];
  if (refused.length > 0) return { spec, problems: [...problems, ...refused] };
  try {
    if (!io) {
      const inputShape = sourceShape(spec.input, 'input');
      if (!inputShape) return { spec, problems };
      const shapes = inferShapes(spec, inputShape);
      const complete = shapes.layers.length === spec.layers.length;
      return { spec, problems: [...problems, ...shapes.problems], ...(complete && { shapes: shapes.layers }) };
    }
    const resolved = resolveData(spec, io);
    if (!('x' in resolved)) return { spec, problems: [...problems, ...resolved.problems] };
    const network = buildNetwork(spec, resolved);
    return { spec, problems: [...problems, ...resolved.problems], shapes: resolved.shapes, network, x: resolved.x, t: resolved.t };
  } catch (e) {
    // Validation should make this unreachable; if an engine constructor still objects, say so.
    const message = `the spec could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    const start = { line: 0, character: 0 };
    return { spec, problems: [...problems, { message, range: { start, end: start }, severity: 'error' }] };
  }
}
