// A resolved network spec to an engine network: explicit weights win; otherwise the layer's init
// scheme draws W from the layer's own init stream and b (or beta) starts at the init's constant.
// Custom layers come loaded from resolve (one instance of the user's code per layer and run).
import { initWeights } from '../engine/init';
import type { Layer, LossLayer } from '../engine/layer';
import { Affine } from '../engine/layers/affine';
import { BatchNorm } from '../engine/layers/batchnorm';
import { Convolution } from '../engine/layers/convolution';
import type { CustomLayer } from '../engine/layers/custom';
import { Dropout } from '../engine/layers/dropout';
import { LeakyRelu } from '../engine/layers/leaky-relu';
import { MSELoss } from '../engine/layers/mse';
import { Pooling } from '../engine/layers/pooling';
import { Relu } from '../engine/layers/relu';
import { Sigmoid } from '../engine/layers/sigmoid';
import { SoftmaxWithLoss } from '../engine/layers/softmax-with-loss';
import { Tanh } from '../engine/layers/tanh';
import { Sequential } from '../engine/network';
import { filled } from '../engine/ops';
import type { Tensor } from '../engine/tensor';
import type { NetworkSpec } from './model';
import { DEFAULT_INIT } from './parse-network';
import type { LayerShape } from './shapes';
import { streamRng } from './streams';

/** What building layers reads from ResolvedData, by layer position. */
export interface LayerParts {
  /** Layer shapes, at least up to the layer built. */
  shapes: readonly LayerShape[];
  /** Explicit parameter values. */
  weights: readonly Readonly<Record<string, Tensor>>[];
  /** Loaded custom layers (null for built-in layers). */
  custom: readonly (CustomLayer | null)[];
  /** The loaded python loss, if the spec has one. */
  customLoss?: LossLayer;
}

/** The network of `spec`, with parameter shapes from `resolved.shapes` and explicit values from `resolved.weights`. */
export function buildNetwork(spec: NetworkSpec, resolved: LayerParts): Sequential {
  const layers = spec.layers.map((_, i) => buildLayer(spec, i, resolved));
  return new Sequential(layers, resolved.customLoss ?? builtInLoss(spec), spec.train?.weightDecay ?? 0);
}

/** The spec's built-in loss layer, if it has one. */
function builtInLoss(spec: NetworkSpec): LossLayer | null {
  return spec.loss === 'softmax-with-loss' ? new SoftmaxWithLoss() : spec.loss === 'mse' ? new MSELoss() : null;
}

/** Layer `i` of `spec`: a new built-in layer (shapes are needed up to `i`), or its loaded custom layer. */
export function buildLayer(spec: NetworkSpec, i: number, resolved: LayerParts): Layer {
  const layer = spec.layers[i];
  const given = resolved.weights[i] ?? {};
  switch (layer.type) {
    case 'affine': {
      const [fanIn, units] = resolved.shapes[i].paramShapes.W;
      const init = layer.init ?? DEFAULT_INIT;
      const std = init.scheme === 'normal' ? init.std : undefined;
      const W = given.W ?? initWeights([fanIn, units], init.scheme, streamRng(spec.seed, 'init', i), std);
      return new Affine(layer.name, W, given.b ?? filled([units], init.bias));
    }
    case 'convolution': {
      const shape = resolved.shapes[i].paramShapes.W;
      const init = layer.init ?? DEFAULT_INIT;
      const std = init.scheme === 'normal' ? init.std : undefined;
      const W = given.W ?? initWeights(shape, init.scheme, streamRng(spec.seed, 'init', i), std);
      return new Convolution(layer.name, W, given.b ?? filled([shape[0]], init.bias), layer.stride ?? 1, layer.pad ?? 0);
    }
    case 'pooling': {
      if (!layer.size) throw new Error(`${layer.name}: no size (shape inference requires one)`);
      const [fh, fw] = layer.size;
      return new Pooling(layer.name, fh, fw, layer.stride ?? fh, layer.pad ?? 0);
    }
    case 'batchnorm': {
      const width = resolved.shapes[i].paramShapes.gamma;
      return new BatchNorm(layer.name, given.gamma ?? filled(width, 1), given.beta ?? filled(width, 0), layer.eps);
    }
    case 'relu':
      return new Relu(layer.name);
    case 'sigmoid':
      return new Sigmoid(layer.name);
    case 'tanh':
      return new Tanh(layer.name);
    case 'leaky-relu':
      return new LeakyRelu(layer.name, layer.alpha ?? 0.01);
    case 'dropout':
      return new Dropout(layer.name, layer.ratio ?? 0.5, streamRng(spec.seed, 'dropout', i));
    case 'custom': {
      const custom = resolved.custom[i];
      if (!custom) throw new Error(`${layer.name}: its module was not loaded`);
      return custom;
    }
  }
}
