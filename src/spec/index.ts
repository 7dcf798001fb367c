// The spec language in one call: text → parsed spec, problems, shapes, and (with IO) a runnable
// network with its data. The parts are exported too, for hosts that need only one step. A host
// that must not load the engine (the extension) imports ./analyse instead.
import { variantDistributions, type VariantDistribution } from '../engine/distributions';
import type { Sequential } from '../engine/network';
import { clone, type Tensor } from '../engine/tensor';
import { staticShapes, unexpectedProblem, withEscapes, type AnalysedSpec } from './analyse';
import { buildNetwork } from './build';
import { parseSpec } from './parse';
import { variantOf } from './parse-compare';
import type { Job } from './memory';
import type { CompareKey, NetworkSpec } from './model';
import type { PythonNetworkParts } from './python-network';
import { specError } from './problem';
import { refuseCustom, resolveData, type SpecIO } from './resolve';

export * from './analyse';
export { buildNetwork } from './build';
export { decodeMnist, mnistBatch, MNIST_PIXELS, MNIST_SPLIT_SIZE, type MnistDigits } from './mnist';
export { npyShape, parseNpy } from './npy';
export { DEFAULT_MAX_BYTES, formatBytes, type Job, type MemoryCapacity } from './memory';
export { CUSTOM_REFUSED, memoryFile, resolveData, trainingSets, type DataFile, type ResolvedData, type SpecIO } from './resolve';
export { streamSeed } from './streams';

/** What loadSpec found: analyseSpec's findings, and with IO the network and its data. */
export interface LoadedSpec extends AnalysedSpec {
  /** The network, ready to run (network specs loaded with IO and without errors). */
  network?: Sequential;
  /** The input batch (with IO). */
  x?: Tensor;
  /** The targets, or null without a loss (with IO). */
  t?: Tensor | null;
  /** A Python network's parts (`network:` specs), for the comparison with its own gradient(x, t). */
  net?: PythonNetworkParts;
  /**
   * With a `compare:` section (and IO), the network of variant `i`, built afresh: the same init draws
   * as every other variant (unless init is compared) and its own copy of any explicit weights.
   */
  variantNetwork?: (i: number) => Sequential;
}

/** How a spec may be loaded. */
export interface LoadOptions {
  /** False in an untrusted workspace (Restricted Mode): custom layers get a problem, and their modules are never asked for. */
  allowCustom?: boolean;
  /** What the spec is loaded for, which decides the memory it needs (default 'run'). */
  job?: Job;
}

/**
 * Parses, checks and (given `io`) loads a spec. Without `io` it stops after shape inference, as
 * analyseSpec does. Never throws.
 */
export function loadSpec(text: string, fileName: string, io?: SpecIO, options: LoadOptions = {}): LoadedSpec {
  const { spec, problems } = parseSpec(text, fileName);
  if (spec?.form === 'graph' && options.allowCustom === false) {
    const refusedNodes = spec.nodes.flatMap((n) => (n.python ? [specError(n.range, 'spec.pythonRefused')] : []));
    if (refusedNodes.length > 0) return { spec, problems: [...problems, ...refusedNodes] };
  }
  if (!spec || spec.form === 'graph' || problems.some((p) => p.severity === 'error')) return { spec, problems };
  const refused = options.allowCustom === false ? refuseCustom(spec) : [];
  if (refused.length > 0) return { spec, problems: [...problems, ...withEscapes(refused)] };
  try {
    if (!io) return { spec, ...staticShapes(spec, problems) };
    const resolved = resolveData(spec, io, options.job);
    if (!('x' in resolved)) return { spec, problems: [...problems, ...withEscapes(resolved.problems)] };
    const network = buildNetwork(resolved.spec, resolved);
    const { net } = resolved;
    const compare = resolved.spec.compare;
    const variantNetwork =
      compare &&
      ((i: number) =>
        buildNetwork(variantOf(resolved.spec, compare.variants[i]), {
          ...resolved,
          weights: resolved.weights.map((w) => Object.fromEntries(Object.entries(w).map(([name, t]) => [name, clone(t)]))),
        }));
    return {
      spec: resolved.spec,
      problems: [...problems, ...withEscapes(resolved.problems)],
      shapes: resolved.shapes,
      network,
      x: resolved.x,
      t: resolved.t,
      ...(net && { net }),
      ...(variantNetwork && { variantNetwork }),
    };
  } catch (e) {
    return { spec, problems: [...problems, ...withEscapes([unexpectedProblem(e)])] };
  }
}

/**
 * A Run's comparison: with `compare: { init }`, each init's run (once, forward and backward) as its
 * layers' distributions. Null for any other key, whose variants differ only in training, or none.
 */
export function initVariants(loaded: LoadedSpec & { spec: NetworkSpec; x: Tensor }): { key: CompareKey; variants: VariantDistribution[] } | null {
  const { spec, variantNetwork } = loaded;
  if (spec.compare?.key !== 'init' || !variantNetwork) return null;
  const labels = spec.compare.variants.map((v) => v.label);
  return { key: spec.compare.key, variants: variantDistributions(labels, variantNetwork, loaded.x, loaded.t ?? null, spec.mode === 'train') };
}
