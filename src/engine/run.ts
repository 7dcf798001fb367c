// One run of a network as a stream of events, for viewers and the CLI: forward layer by layer, the
// loss, backward from the last layer, then an optional gradient check. Every tensor in an event is
// fixed once sent: layers never write into tensors they returned, and param values are copied.
import type { CheckOptions } from './check-options';
import { checkEachParam, type ParamCheck } from './gradcheck';
import type { LayerType, LossType } from './layer';
import type { Sequential } from './network';
import { filled } from './ops';
import { denseTargets } from './layers/targets';
import { clone, tensor, type Tensor } from './tensor';

/** One step of a run, discriminated by `kind`. */
export type RunEvent =
  | {
      /** A layer's forward. */
      kind: 'forward';
      index: number;
      name: string;
      type: LayerType;
      /** The layer's input. */
      input: Tensor;
      /** The layer's output. */
      output: Tensor;
      /** What the layer kept for backward (mask, out, x, ...). */
      kept: Record<string, Tensor>;
      /** Parameter values at this time (copies). */
      params: { name: string; value: Tensor }[];
    }
  | {
      /** The loss layer's forward. */
      kind: 'loss';
      /** Loss layer name. */
      name: string;
      /** Loss type. */
      type: LossType;
      /** The loss, plus the weight penalty ½λΣ‖W‖² when the network has weight decay. */
      value: number;
      /** The loss layer's prediction (softmax output, or the scores for MSE). */
      y: Tensor;
      /** The targets shaped like y (labels as one-hot rows). */
      t: Tensor;
      /** d loss / d scores = (y − t)/N, for both losses: the last layer's dout. */
      dx: Tensor;
    }
  | {
      /** A layer's backward. */
      kind: 'backward';
      index: number;
      name: string;
      type: LayerType;
      /** Upstream gradient. */
      dout: Tensor;
      /** Gradient for the layer's input. */
      dx: Tensor;
      /** Gradients of the layer's parameters. */
      grads: { name: string; grad: Tensor }[];
    }
  | {
      /** The gradient check of one parameter, or of the layer's input gradient. */
      kind: 'check';
      index: number;
      name: string;
      /** Which parameter (W, b, gamma, beta, or a custom layer's own), or 'dx'. */
      param: string;
      result: ParamCheck;
    }
  | {
      /** The run finished. */
      kind: 'done';
      /** The loss, or null without a loss layer. */
      loss: number | null;
    };

/** Settings of one run. */
export interface RunOptions {
  /** Training mode (Dropout masks, BatchNorm batch statistics) or evaluation. */
  train: boolean;
  /** Gradient-check settings, or null/absent for no check. */
  check?: CheckOptions | null;
}

/**
 * Runs `net` on `x` (targets `t`, needed when there is a loss) and yields each step. Backward
 * starts from d loss = 1, or from dout = ones when there is no loss.
 */
export function* runNetwork(net: Sequential, x: Tensor, t: Tensor | null, opts: RunOptions): Generator<RunEvent> {
  if (net.loss && !t) throw new Error(`${net.loss.name} needs targets, but none were given`);
  let y = x;
  for (const [index, layer] of net.layers.entries()) {
    const input = y;
    y = layer.forward(input, opts.train);
    yield {
      kind: 'forward',
      index,
      name: layer.name,
      type: layer.type,
      input,
      output: y,
      kept: { ...layer.kept() },
      params: layer.params.map((p) => ({ name: p.name, value: clone(p.value) })),
    };
  }
  let loss: number | null = null;
  let dout: Tensor;
  if (net.loss && t) {
    loss = net.withPenalty(net.loss.forward(y, t));
    const prediction = net.loss.kept().y;
    dout = net.loss.backward(1);
    const dense = tensor(prediction.shape, denseTargets(net.loss.name, prediction, t));
    yield { kind: 'loss', name: net.loss.name, type: net.loss.type, value: loss, y: prediction, t: dense, dx: dout };
  } else {
    dout = filled(y.shape, 1);
  }
  for (let index = net.layers.length - 1; index >= 0; index--) {
    const layer = net.layers[index];
    const dx = layer.backward(dout);
    net.decayGradient(layer);
    const grads = layer.params.map((p) => {
      if (!p.grad) throw new Error(`${layer.name}: backward set no gradient for ${p.name}`);
      return { name: p.name, grad: p.grad };
    });
    yield { kind: 'backward', index, name: layer.name, type: layer.type, dout, dx, grads };
    dout = dx;
  }
  if (opts.check) {
    for (const check of checkEachParam(net, x, t, opts.train, opts.check)) yield { kind: 'check', ...check };
  }
  yield { kind: 'done', loss };
}
