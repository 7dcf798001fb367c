// Shape inference before anything runs: each layer's input and output shape and parameter shapes,
// with explicit weights, targets and the loss checked against them. Nothing is allocated here. A
// custom layer's output shape is whatever its code makes, so it is known only by running the code:
// inference asks a `CustomShape` callback for it, and without one stops before the custom layer.
import { fmtCount } from '../format';
import type { LayerType, ParamName } from '../engine/layer';
import { sizeOf } from '../engine/tensor';
import { MNIST_PIXELS } from './mnist';
import type { DataSource, NetworkSpec, Phrase, Problem, Range } from './model';
import { phrase, problemOf, specError, specWarning, type PhraseArgs, type SpecMessageId } from './problem';
import { formatShape } from './suggest';
import { windowShapes } from './window-shapes';

/** Shapes of one layer. */
export interface LayerShape {
  /** Layer name. */
  name: string;
  /** Layer type. */
  type: LayerType;
  /** Shape of its input. */
  inShape: number[];
  /** Shape of its output. */
  outShape: number[];
  /** Number of trainable values. */
  paramCount: number;
  /** Shape of each parameter (W, b, gamma, beta, or a custom layer's own). */
  paramShapes: Record<string, number[]>;
}

/**
 * The output shape and parameter shapes of custom layer `index` for an input of shape `inShape`,
 * found by loading and running it after the layers in `before` (their shapes), or why they could not be.
 */
export type CustomShape = (
  index: number,
  inShape: number[],
  before: readonly LayerShape[],
) => { outShape: number[]; paramShapes: Record<string, number[]> } | { error: Phrase };

/** Result of shape inference: the layers up to the first one whose shape cannot be known (by a problem, or a custom layer with no CustomShape), and problems. */
export interface ShapeResult {
  /** Shapes of the layers, in order (all of them when nothing stopped inference). */
  layers: LayerShape[];
  /** Errors and warnings, each on the value to change. */
  problems: Problem[];
}

/** How many label-range errors one target reports, so a long wrong list stays readable. */
const MAX_LABEL_REPORTS = 10;

/**
 * The shape a source will have, known without reading files: null for a file (read its .npy header
 * with npyShape) and for a random target that takes the output's shape.
 */
export function sourceShape(source: DataSource, role: 'input' | 'target'): number[] | null {
  switch (source.kind) {
    case 'data':
      return [...source.tensor.shape];
    case 'labels':
      return [source.labels.length];
    case 'random':
      return source.shape && [...source.shape];
    case 'dataset':
      return role === 'input' ? [source.count, ...(source.shape ?? [MNIST_PIXELS])] : [source.count];
    case 'file':
      return null;
  }
}

/**
 * Infers every layer's shapes from the input shape [N, ...] and checks weights, loss and target.
 * A custom layer's output shape comes from `customShape`; without it inference stops there, and the
 * loss and target go unchecked (the shapes after a custom layer are unknown until it runs).
 */
export function inferShapes(spec: NetworkSpec, inputShape: number[], customShape?: CustomShape): ShapeResult {
  const problems: Problem[] = [];
  const error = (range: Range, id: SpecMessageId, args: PhraseArgs = {}) => problems.push(specError(range, id, args));
  const layers: LayerShape[] = [];
  const limit = spec.maxElements;

  if (inputShape.length < 2) {
    error(spec.input.range, 'spec.inputNeedsBatch', { shape: formatShape(inputShape) });
    return { layers, problems };
  }
  // A Python network's layers are known once its class runs, as the spec loads.
  if (spec.pythonNetwork && spec.layers.length === 0) return { layers, problems };
  let shape = inputShape;
  for (const [index, layer] of spec.layers.entries()) {
    const inShape = shape;
    // Only a custom layer's output can lack the batch axis; the layers that flatten to [N, D] need it.
    if ((layer.type === 'affine' || layer.type === 'batchnorm') && inShape.length < 2) {
      error(layer.typeRange, 'spec.layerNeedsBatch', { layer: layer.name, from: spec.layers[index - 1]?.name ?? phrase('spec.what.theInput'), shape: formatShape(inShape) });
      return { layers, problems };
    }
    const n = inShape[0];
    const width = sizeOf(inShape.slice(1));
    const known = (p: ParamName) => {
      const source = layer.weights?.[p];
      return source ? { source, shape: sourceShape(source, 'target') } : undefined;
    };
    let outShape = inShape;
    let paramShapes: Record<string, number[]> = {};

    if (layer.type === 'custom') {
      if (!customShape) return { layers, problems };
      const found = customShape(index, inShape, layers);
      if ('error' in found) {
        // A Python class that fails as it first runs is the user's code failing (CLI exit 3).
        problems.push(problemOf(found.error, layer.moduleRange ?? layer.typeRange, 'error', layer.python ? { fromCode: true } : {}));
        return { layers, problems };
      }
      ({ outShape, paramShapes } = found);
    } else if (layer.type === 'affine') {
      const W = known('W');
      let units = layer.units;
      if (W?.shape) {
        if (W.shape.length !== 2) {
          error(W.source.range, 'spec.affineW2d', { layer: layer.name, shape: formatShape(W.shape) });
          return { layers, problems };
        }
        if (W.shape[0] !== width) {
          error(W.source.range, 'spec.affineWidth', { layer: layer.name, expected: String(W.shape[0]), width: String(width) });
          return { layers, problems };
        }
        if (units !== undefined && units !== W.shape[1]) {
          error(layer.unitsRange ?? layer.typeRange, 'spec.affineUnitsW', { layer: layer.name, units: String(units), columns: String(W.shape[1]) });
          return { layers, problems };
        }
        units = W.shape[1];
      }
      if (units === undefined) {
        // A W file's shape is known once resolve reads it; without one the spec is incomplete.
        if (!W) error(layer.typeRange, 'spec.affineNeedsUnits', { layer: layer.name });
        return { layers, problems };
      }
      const at = layer.unitsRange ?? layer.typeRange;
      if (width * units > limit) {
        error(at, 'spec.wouldOverLimit', { what: phrase('spec.what.paramOf', { param: 'W', layer: layer.name }), shape: formatShape([width, units]), elements: fmtCount(width * units), limit: fmtCount(limit) });
        return { layers, problems };
      }
      if (n * units > limit) {
        error(at, 'spec.wouldOverLimit', { what: phrase('spec.what.outputOf', { layer: layer.name }), shape: formatShape([n, units]), elements: fmtCount(n * units), limit: fmtCount(limit) });
        return { layers, problems };
      }
      const b = known('b');
      if (b?.shape && (b.shape.length !== 1 || b.shape[0] !== units)) {
        error(b.source.range, 'spec.paramShape', { param: 'b', layer: layer.name, shape: formatShape(b.shape), expected: formatShape([units]) });
        return { layers, problems };
      }
      outShape = [n, units];
      paramShapes.W = [width, units];
      paramShapes.b = [units];
    } else if (layer.type === 'convolution' || layer.type === 'pooling') {
      const found = windowShapes(spec, index, inShape, known);
      if (!found || 'error' in found) {
        if (found) problems.push(problemOf(found.error, found.range, 'error'));
        return { layers, problems };
      }
      ({ outShape, paramShapes } = found);
    } else if (layer.type === 'batchnorm') {
      // Per channel on [N, C, H, W] (see the layer), per feature otherwise.
      const features = inShape.length === 4 ? inShape[1] : width;
      for (const p of ['gamma', 'beta'] as const) {
        const given = known(p);
        if (given?.shape && (given.shape.length !== 1 || given.shape[0] !== features)) {
          error(given.source.range, 'spec.paramShape', { param: p, layer: layer.name, shape: formatShape(given.shape), expected: formatShape([features]) });
          return { layers, problems };
        }
        paramShapes[p] = [features];
      }
    }
    const paramCount = Object.values(paramShapes).reduce((sum, s) => sum + sizeOf(s), 0);
    layers.push({ name: layer.name, type: layer.type, inShape, outShape, paramCount, paramShapes });
    shape = outShape;
  }

  checkLossAndTarget(spec, shape, problems);
  return { layers, problems };
}

/** Checks the loss against the output shape, and the target against the loss and the output. */
function checkLossAndTarget(spec: NetworkSpec, out: number[], problems: Problem[]): void {
  const error = (range: Range, id: SpecMessageId, args: PhraseArgs = {}): void => {
    problems.push(specError(range, id, args));
  };
  const { loss, target } = spec;
  if (!loss || !target) return;
  const last = spec.layers[spec.layers.length - 1]?.name ?? phrase('spec.what.theInput');
  const n = out[0];
  if (loss === 'softmax-with-loss') {
    if (out.length !== 2) return error(spec.lossRange, 'spec.softmaxNeedsScores', { last, shape: formatShape(out) });
    if (out[1] < 2) return error(spec.lossRange, 'spec.softmaxNeedsClasses', { last, classes: String(out[1]) });
  }
  const classes = out.length === 2 ? out[1] : undefined;
  const asLabels = (rows: number, what: Phrase | string): boolean => {
    if (rows !== n) {
      error(target.range, 'spec.targetRows', { what, rows: fmtCount(rows), n: fmtCount(n) });
      return false;
    }
    if (classes === undefined) {
      error(target.range, 'spec.labelsNeed2d', { what, last, shape: formatShape(out) });
      return false;
    }
    return true;
  };

  switch (target.kind) {
    case 'labels': {
      if (!asLabels(target.labels.length, 'labels')) return;
      let reported = 0;
      target.labels.forEach((label, i) => {
        if (label >= classes! && reported++ < MAX_LABEL_REPORTS) {
          error(target.itemRanges[i], 'spec.labelOutOfRange', { label: String(label), classes: String(classes), max: String(classes! - 1) });
        }
      });
      return;
    }
    case 'dataset':
      if (classes === undefined) error(target.range, 'spec.mnistLabelsShape', { last, shape: formatShape(out) });
      else if (classes < 10) error(target.range, 'spec.mnistLabelsClasses', { last, classes: String(classes) });
      return;
    case 'data':
    case 'random': {
      const shape = sourceShape(target, 'target');
      if (!shape) return; // a random target shaped from the output
      const what = target.kind === 'data' ? 'target' : phrase('spec.what.randomTarget');
      if (shape.length === 1 && out.length === 2) {
        if (!asLabels(shape[0], what) || target.kind !== 'data') return;
        const bad = target.tensor.data.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < classes!));
        const args = { what, row: String(bad), value: String(target.tensor.data[bad]), max: String(classes! - 1) };
        if (bad >= 0) error(target.range, loss === 'mse' ? 'spec.targetRowNotLabelMse' : 'spec.targetRowNotLabel', args);
        return;
      }
      if (shape[0] !== n) return error(target.range, 'spec.targetRows', { what, rows: fmtCount(shape[0]), n: fmtCount(n) });
      if (shape.length !== out.length || shape.some((d, i) => d !== out[i])) {
        return error(target.range, 'spec.targetShape', { what, shape: formatShape(shape), last, out: formatShape(out) });
      }
      if (loss === 'softmax-with-loss' && target.kind === 'data') warnUnlessRowsSumToOne(target.tensor.data, out[1], target.range, problems);
      return;
    }
    case 'file':
      return; // checked once resolve has read it
  }
}

/** softmax-with-loss's gradient y − t assumes each target row sums to 1 (one-hot or soft labels). */
function warnUnlessRowsSumToOne(data: Float64Array, classes: number, range: Range, problems: Problem[]): void {
  for (let row = 0; row * classes < data.length; row++) {
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += data[row * classes + j];
    if (Math.abs(sum - 1) > 1e-6) {
      problems.push(specWarning(range, 'spec.targetRowSum', { row: String(row), sum: String(sum) }));
      return;
    }
  }
}
