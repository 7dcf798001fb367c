// The parsed spec: one model for YAML and JSON, every part carrying its source range.
import type { Tensor } from '../engine/tensor';
import type { GraphOp } from '../engine/graph-ops';
import type { LayerType, LossType, ParamName } from '../engine/layer';
import type { OptimizerOptions } from '../engine/optimizers';
import type { Message } from '../message';

/** A zero-based position, as VS Code and LSP count: line, then UTF-16 column. */
export interface Position {
  /** Zero-based line. */
  line: number;
  /** Zero-based column in UTF-16 code units. */
  character: number;
}

/** A half-open source range. */
export interface Range {
  /** First character. */
  start: Position;
  /** One past the last character. */
  end: Position;
}

/**
 * A sentence or phrase of the spec catalogue (src/spec/messages.ts): its id, its arguments as English
 * text, and the arguments that are phrases of their own ("a list", "W of Affine1"), which a
 * translation renders in its own words (src/catalogues.ts) before filling them in.
 */
export interface Phrase extends Message {
  /** Arguments that are phrases, by name; `args` holds each one's English text too. */
  parts?: Readonly<Record<string, Phrase>>;
}

/**
 * One problem found in a spec, at the place the user must change: a message of the spec catalogue
 * (`id`, `args`, `parts`), rendered in the user's language at the edge, and its English `message`.
 */
export interface Problem extends Phrase {
  /** Short, specific sentence in English, e.g. "Affine2 expects input width 50, gets 40". */
  message: string;
  /** Where it is. */
  range: Range;
  /** Errors stop a run; warnings do not. */
  severity: 'error' | 'warning';
  /** For a misspelt word with a likely intended one ("did you mean 'units'?"): the text that replaces `range`. */
  replacement?: string;
  /** An error of the user's code (a custom or python layer failed as it loaded or first ran), not of the spec. */
  fromCode?: true;
}

/**
 * Where a tensor comes from. A dataset input's `shape` is each digit's shape, such as [1, 28, 28]
 * (default [784]). `range` is the defining value: the data or labels list, the `random`
 * mapping, the whole `dataset` mapping, or the `file:` path. A random target may leave `shape` null
 * (shaped from the network's output); a dataset target means the labels of the input's digits.
 */
export type DataSource =
  | { kind: 'data'; tensor: Tensor; range: Range }
  | { kind: 'labels'; labels: number[]; itemRanges: Range[]; range: Range }
  | { kind: 'random'; shape: number[] | null; dist: 'uniform' | 'normal'; range: Range }
  | { kind: 'dataset'; name: 'mnist'; split: 'train' | 'test'; count: number; offset: number; range: Range; shape?: number[] }
  | { kind: 'file'; path: string; range: Range };

/** How a layer's weights start. `bias` is the constant b (or beta) starts at. */
export type InitSpec =
  | { scheme: 'normal'; std: number; bias: number }
  | { scheme: 'he' | 'xavier' | 'zeros'; bias: number };

/** One layer as written. */
export interface LayerSpec {
  /** Layer type. */
  type: LayerType;
  /** The spec's name, or the book's default (Affine1, Relu1, ...). */
  name: string;
  /** True when the spec named the layer itself. */
  named: boolean;
  /** The whole list item. */
  range: Range;
  /** The type token (bare string or `type:` value), where hovers and diagnostics point. */
  typeRange: Range;
  /** Output width of an affine layer. */
  units?: number;
  /** Range of the `units` value. */
  unitsRange?: Range;
  /** Number of filters of a convolution. */
  filters?: number;
  /** Window height and width of a convolution or pooling layer (`size: 5` is [5, 5]). */
  size?: [number, number];
  /** Window stride; a convolution's default is 1, a pooling layer's its (square) size. */
  stride?: number;
  /** Zero padding on every side of a convolution's or pooling layer's input (default 0). */
  pad?: number;
  /** Negative slope of leaky-relu (default 0.01). */
  alpha?: number;
  /** Fraction dropped by dropout (default 0.5). */
  ratio?: number;
  /** BatchNorm epsilon; absent means the engine's default. */
  eps?: number;
  /** Weight init of affine layers (the book's normal, std 0.01, bias 0 unless the spec says otherwise). */
  init?: InitSpec;
  /** Explicit parameter values (data or file sources), which win over init. */
  weights?: Partial<Record<ParamName, DataSource>>;
  /** A custom layer's module: a .js, .cjs or .mjs path as written, relative to the spec's folder. */
  module?: string;
  /** Range of the `module` value. */
  moduleRange?: Range;
  /** A custom layer's parameters (data or file sources), by the names its code reads in this.params. */
  params?: Record<string, DataSource>;
  /** A `type: python` layer (a custom layer whose code is a Python class in `module`). */
  python?: PythonClassSpec;
}

/** A Python class a layer or graph node runs: `class` in the .py `module`, constructed with `args`. */
export interface PythonClassSpec {
  className: string;
  /** Range of the `class` value. */
  classRange: Range;
  /** Keyword arguments of the constructor. */
  args: Record<string, PythonArg>;
}

/** A constructor argument: a plain Python value, a float64 array, or random normals std·N(0, 1) of a shape. */
export type PythonArg =
  | { kind: 'value'; value: string | number | boolean | null }
  | { kind: 'array'; source: DataSource }
  | { kind: 'normal'; std: number; shape: number[]; range: Range };

/** Gradient-check settings: central difference step and the pass test |a − n| ≤ atol + rtol·|n|. */
export interface CheckSpec {
  /** Central difference step. */
  h: number;
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance. */
  rtol: number;
}

/**
 * The `train:` section. The training set is the input and target; the test set is the MNIST test
 * split (all 2,000) when the input is MNIST's train split, else the training set itself.
 */
export interface TrainSpec {
  /** Number of updates. */
  iterations: number;
  /** Minibatch size. */
  batch: number;
  /** Range of the batch value. */
  batchRange: Range;
  /** Seed of the minibatch draws (the spec's seed when absent). */
  seed: number;
  /** The update rule; unset fields take the book's defaults. */
  optimizer: OptimizerOptions;
  /** Weight decay λ (0 for none): the network's loss gains ½λΣ‖W‖² over its affine layers' W, for every run of the spec. */
  weightDecay: number;
  /** Evaluate every this many updates, or once per epoch. */
  evalEvery: number | 'epoch';
  /** The whole `train:` entry. */
  range: Range;
  /** The `train` key. */
  keyRange: Range;
}

/** A sequential network spec. */
export interface NetworkSpec {
  /** Discriminator. */
  form: 'network';
  /** Spec name, or the file name without extensions. */
  name: string;
  /** PRNG seed for init, random data and dropout (0 when absent). */
  seed: number;
  /** Training mode (Dropout masks, BatchNorm batch stats) or evaluation mode. */
  mode: 'train' | 'eval';
  /** The input batch. */
  input: DataSource;
  /** Targets; required when there is a loss. */
  target: DataSource | null;
  /** Layers in order. */
  layers: LayerSpec[];
  /** Loss layer, or null for forward-only specs. A python loss is checked as softmax-with-loss is (labels or one-hot rows). */
  loss: LossType | null;
  /**
   * A `network: { module, class, args }`: a whole Python network in the book's structure, whose
   * `layers` and `lastLayer` become the layers and the loss as the spec loads (until then `layers` is empty).
   */
  pythonNetwork?: PythonClassSpec & { module: string; moduleRange: Range; range: Range };
  /** A `loss: { type: python, module, class }`: the Python class that computes the loss. */
  pythonLoss?: PythonClassSpec & { module: string; moduleRange: Range };
  /** Range of the loss value (or of the whole document when absent). */
  lossRange: Range;
  /** Gradient-check settings. */
  check: CheckSpec;
  /** Largest tensor allowed, in elements. */
  maxElements: number;
  /** Most bytes of tensors a run, check or training may hold, estimated from the shapes before it starts. */
  maxBytes: number;
  /** Training settings, or null without a `train:` section. */
  train: TrainSpec | null;
  /** Variants of the training (or of the single run) to run one after another and draw together, or null without a `compare:` section. */
  compare: CompareSpec | null;
}

/** Keys a `compare:` section may vary: train settings, or `init` (every affine layer's). */
export type CompareKey = 'optimizer' | 'weightDecay' | 'seed' | 'init';

/** One variant of a comparison: the training it runs (or its single run's) and, for `init`, every affine layer's init. */
export interface CompareVariant {
  /** Its name in charts and tables, such as "adam" or "xavier". */
  label: string;
  /** The value in the list. */
  range: Range;
  /** The train settings of this variant (the spec's, with the compared key changed); null in a comparison of a single run (no `train:`), which compares `init` only. */
  train: TrainSpec | null;
  /** The init every affine layer without explicit weights takes; null to keep each layer's own. */
  init: InitSpec | null;
}

/** The `compare:` section: one key and its values, each a variant of the spec's training (or of its single run). */
export interface CompareSpec {
  /** The key compared. */
  key: CompareKey;
  /** The variants, in the order written. */
  variants: CompareVariant[];
  /** The whole `compare:` entry. */
  range: Range;
}

export type { GraphOp };

/** A node of a graph spec. */
export interface GraphNodeSpec {
  /** Node name, unique among inputs and nodes. */
  name: string;
  /** Operation: a built-in op, or the class of `python`. */
  op: GraphOp | 'python';
  /** Names of its operands, in order. */
  in: string[];
  /** Constant exponent of `pow`. */
  exponent?: number;
  /** The whole list item. */
  range: Range;
  /** An `op: python` node's module (a .py path as written) and class. */
  python?: PythonClassSpec & { module: string; moduleRange: Range };
}

/** A scalar computational-graph spec, like the book's shop examples. */
export interface GraphSpec {
  /** Discriminator. */
  form: 'graph';
  /** Spec name. */
  name: string;
  /** Input names and values, with the range of each key. */
  inputs: { name: string; value: number; range: Range }[];
  /** Nodes in the order written (they may refer to later nodes; evaluation sorts them). */
  nodes: GraphNodeSpec[];
  /** Name of the output node. */
  output: string;
  /** Range of the output value. */
  outputRange: Range;
}

/** Either form. */
export type Spec = NetworkSpec | GraphSpec;
