// The network form: settings, input, target, layers and loss.
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { DEFAULT_CHECK } from '../engine/check-options';
import type { LayerType, LossType, ParamName } from '../engine/layer';
import type { OptimizerOptions, OptimizerType } from '../engine/optimizers';
import type { CheckSpec, DataSource, InitSpec, LayerSpec, NetworkSpec, Range, TrainSpec } from './model';
import { readCompare } from './parse-compare';
import { readSource, readWeight } from './parse-data';
import { PYTHON_KEYS, readPythonClass } from './parse-python';
import { DEFAULT_MAX_BYTES } from './memory';
import { lookup, type Entry, type Reader, type YNode } from './reader';
import { phrase } from './problem';

/** Keys of a network spec. */
export const NETWORK_KEYS = ['$schema', 'name', 'seed', 'mode', 'input', 'target', 'layers', 'network', 'loss', 'check', 'limits', 'train', 'compare'];

/** Optimizers in the order messages list them. */
export const OPTIMIZER_TYPES: readonly OptimizerType[] = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'];

/** Settings an optimizer may take besides `type`. */
const OPTIMIZER_KEYS = ['lr', 'momentum', 'decay', 'beta1', 'beta2'] as const;

/** Keys each optimizer takes besides `type`. */
const OPTIMIZER_FIELDS: Readonly<Record<OptimizerType, readonly (typeof OPTIMIZER_KEYS)[number][]>> = {
  sgd: ['lr'],
  momentum: ['lr', 'momentum'],
  nesterov: ['lr', 'momentum'],
  adagrad: ['lr'],
  rmsprop: ['lr', 'decay'],
  adam: ['lr', 'beta1', 'beta2'],
};

/** Layer types in the order messages list them. */
export const LAYER_TYPES: readonly LayerType[] = ['affine', 'convolution', 'pooling', 'relu', 'sigmoid', 'tanh', 'leaky-relu', 'dropout', 'batchnorm', 'custom'];

/** Other spellings accepted for layer types (after lower-casing and turning `_` into `-`). */
export const LAYER_ALIASES: Readonly<Record<string, LayerType>> = {
  leakyrelu: 'leaky-relu',
  'batch-norm': 'batchnorm',
  'batch-normalization': 'batchnorm',
  batchnormalization: 'batchnorm',
  dense: 'affine',
  linear: 'affine',
  conv: 'convolution',
  conv2d: 'convolution',
  pool: 'pooling',
  maxpool: 'pooling',
  'max-pooling': 'pooling',
};

/** Losses in the order messages list them. */
export const LOSS_TYPES: readonly LossType[] = ['softmax-with-loss', 'mse'];

/** Other spellings accepted for losses. */
const LOSS_ALIASES: Readonly<Record<string, LossType>> = {
  softmax: 'softmax-with-loss',
  softmaxwithloss: 'softmax-with-loss',
  'cross-entropy': 'softmax-with-loss',
  'mean-squared-error': 'mse',
  'mse-loss': 'mse',
};

/** The book's layer class names, which default names count up from (Affine1, Relu1, ...); custom layers take theirs from the module. */
const DEFAULT_NAME: Readonly<Record<Exclude<LayerType, 'custom'>, string>> = {
  affine: 'Affine',
  convolution: 'Convolution',
  pooling: 'Pooling',
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  'leaky-relu': 'LeakyRelu',
  dropout: 'Dropout',
  batchnorm: 'BatchNorm',
};

/** Keys each layer type takes besides `type` and `name`. */
const LAYER_FIELDS: Readonly<Record<LayerType, readonly string[]>> = {
  affine: ['units', 'init', 'weights'],
  convolution: ['filters', 'size', 'stride', 'pad', 'init', 'weights'],
  pooling: ['size', 'stride', 'pad'],
  relu: [],
  sigmoid: [],
  tanh: [],
  'leaky-relu': ['alpha'],
  dropout: ['ratio'],
  batchnorm: ['eps', 'weights'],
  custom: ['module', 'params'],
};

/** Parameters each layer type may be given explicitly. */
const LAYER_PARAMS: Readonly<Partial<Record<LayerType, readonly ParamName[]>>> = {
  affine: ['W', 'b'],
  convolution: ['W', 'b'],
  batchnorm: ['gamma', 'beta'],
};

/** Keys a layer mapping may have. */
export const LAYER_KEYS = ['type', 'name', 'units', 'filters', 'size', 'stride', 'pad', 'alpha', 'ratio', 'eps', 'init', 'weights', 'module', 'params'];

/** Keys of a `type: python` layer. */
export const PYTHON_LAYER_KEYS = ['type', 'name', ...PYTHON_KEYS];

/** The start of the messages for a custom layer without a module. */

/** Default element limit for any one tensor. */
const DEFAULT_MAX_ELEMENTS = 5e7;

/** The book's ch. 5 weight scale: W = 0.01·N(0, 1). */
const DEFAULT_STD = 0.01;

/** The book's ch. 5 init: 0.01·N(0, 1) weights, zero bias. */
export const DEFAULT_INIT: InitSpec = { scheme: 'normal', std: DEFAULT_STD, bias: 0 };

/** Reads a network spec; undefined when it has errors (they are in `r.problems`). */
export function readNetwork(r: Reader, entries: Map<string, Entry>, name: string, docRange: Range, headRange: Range): NetworkSpec | undefined {
  const errorsBefore = r.errorCount();

  let maxElements = DEFAULT_MAX_ELEMENTS;
  const limitsEntry = entries.get('limits');
  const limits = limitsEntry && r.map(limitsEntry, 'limits');
  const limitEntries = limits && r.entries(limits, 'limits', ['maxElements', 'maxBytes']);
  const maxEntry = limitEntries?.get('maxElements');
  if (maxEntry) maxElements = r.number(maxEntry, 'maxElements', 'positive-integer') ?? DEFAULT_MAX_ELEMENTS;
  const maxBytesEntry = limitEntries?.get('maxBytes');
  const maxBytes = (maxBytesEntry && r.number(maxBytesEntry, 'maxBytes', 'positive-integer')) ?? DEFAULT_MAX_BYTES;

  const seedEntry = entries.get('seed');
  const seed = seedEntry ? r.number(seedEntry, 'seed', 'non-negative-integer') : 0;
  const modeEntry = entries.get('mode');
  const mode = modeEntry ? r.choice(modeEntry, 'mode', ['train', 'eval'] as const, { training: 'train', evaluation: 'eval', test: 'eval' }) : 'train';
  const check = readCheck(r, entries.get('check'));

  const lossEntry = entries.get('loss');
  let loss: LossType | null = null;
  let pythonLoss: NetworkSpec['pythonLoss'];
  // `loss:` left empty or `"loss": null` means no loss.
  if (lossEntry && isMap(lossEntry.value) && isPythonItem(lossEntry.value)) {
    pythonLoss = readPythonClass(r, r.entries(lossEntry.value, 'loss', ['type', ...PYTHON_KEYS]), lossEntry.range, maxElements, 'loss');
    if (pythonLoss) loss = 'softmax-with-loss';
  } else if (lossEntry && !(isScalar(lossEntry.value) && lossEntry.value.value === null)) {
    loss = r.choice(lossEntry, 'loss', LOSS_TYPES, LOSS_ALIASES) ?? null;
  }
  let lossRange = lossEntry ? lossEntry.range : docRange;

  const inputEntry = entries.get('input');
  if (!inputEntry) r.error(headRange, 'spec.missingInput');
  const input = inputEntry && readSource(r, inputEntry, 'input', maxElements);
  const targetEntry = entries.get('target');
  const target = targetEntry ? readSource(r, targetEntry, 'target', maxElements) : null;

  const layersEntry = entries.get('layers');
  const networkEntry = entries.get('network');
  const pythonNetwork = networkEntry && readPythonNetwork(r, networkEntry, maxElements);
  if (pythonNetwork && !lossEntry) {
    // The network's lastLayer is its loss, checked against the target as softmax-with-loss is.
    loss = 'softmax-with-loss';
    lossRange = networkEntry.range;
  }
  if (layersEntry && networkEntry) r.error(networkEntry.keyRange, 'spec.layersAndNetwork');
  const layers = layersEntry ? readLayers(r, layersEntry, maxElements) : networkEntry ? [] : undefined;
  if (!layersEntry && !networkEntry) r.error(headRange, 'spec.missingLayers');

  if (loss && targetEntry === undefined) r.error(lossRange, 'spec.lossNeedsTarget', { loss });
  if (!loss && target) r.warn(target.range, 'spec.targetUnused');
  if (target?.kind === 'dataset') {
    if (input?.kind === 'dataset') {
      Object.assign(target, { split: input.split, count: input.count, offset: input.offset });
    } else if (input) {
      r.error(target.range, 'spec.mnistTargetNeedsMnistInput');
    }
  }

  const trainEntry = entries.get('train');
  const train = trainEntry ? readTrain(r, trainEntry, seed ?? 0) : null;
  if (trainEntry && !loss) r.error(trainEntry.keyRange, 'spec.trainNeedsLoss');
  const compareEntry = entries.get('compare');
  const compare = compareEntry ? readCompare(r, compareEntry, train ?? null, layers) : null;
  const custom = compareEntry && layers?.find((l) => l.type === 'custom');
  // Each variant needs a fresh network, and a custom layer's code is loaded once per run.
  if (custom) r.error(compareEntry.keyRange, 'spec.compareCustom', { layer: custom.name });

  if (networkEntry && !pythonNetwork) return undefined;
  if (r.errorCount() > errorsBefore || !input || !layers || target === undefined || seed === undefined || !mode || !check || train === undefined || compare === undefined) return undefined;
  return { form: 'network', name, seed, mode, input, target, layers, loss, lossRange, check, maxElements, maxBytes, train, compare, ...(pythonLoss && { pythonLoss }), ...(pythonNetwork && { pythonNetwork }) };
}

/** `network: { module, class, args }`: a Python network class in the book's structure. */
function readPythonNetwork(r: Reader, entry: Entry, maxElements: number): NetworkSpec['pythonNetwork'] {
  const node = r.map(entry, 'network');
  if (!node) return undefined;
  const found = readPythonClass(r, r.entries(node, 'network', PYTHON_KEYS), entry.range, maxElements, 'network');
  return found && { ...found, range: entry.range };
}

/** `train: { iterations, batch, seed?, optimizer?, weightDecay?, eval? }`; the optimizer defaults to the book's SGD. */
function readTrain(r: Reader, entry: Entry, specSeed: number): TrainSpec | undefined {
  const node = r.map(entry, 'train');
  if (!node) return undefined;
  const entries = r.entries(node, 'train', ['iterations', 'batch', 'seed', 'optimizer', 'weightDecay', 'eval']);
  const required = (key: 'iterations' | 'batch', example: string) => {
    const e = entries.get(key);
    if (!e) r.error(entry.keyRange, 'spec.trainNeeds', { key, example });
    return e && r.number(e, key, 'positive-integer');
  };
  const iterations = required('iterations', '10000');
  const batch = required('batch', '100');
  const seedEntry = entries.get('seed');
  const seed = seedEntry ? r.number(seedEntry, phrase('spec.what.trainSeed'), 'non-negative-integer') : specSeed;
  const optimizerEntry = entries.get('optimizer');
  const optimizer = optimizerEntry ? readOptimizer(r, optimizerEntry) : { type: 'sgd' as const };
  const decayEntry = entries.get('weightDecay');
  const weightDecay = decayEntry ? r.number(decayEntry, 'weightDecay', 'non-negative') : 0;
  const evalEntry = entries.get('eval');
  const evalEvery = evalEntry ? readEval(r, evalEntry) : 'epoch';
  if (iterations === undefined || batch === undefined || seed === undefined || !optimizer || weightDecay === undefined || evalEvery === undefined) return undefined;
  return { iterations, batch, batchRange: entries.get('batch')!.range, seed, optimizer, weightDecay, evalEvery, range: entry.range, keyRange: entry.keyRange };
}

/** `optimizer: adam` or `optimizer: { type: adam, lr: 0.001, ... }`. */
export function readOptimizer(r: Reader, entry: Entry): OptimizerOptions | undefined {
  if (!isMap(entry.value)) {
    const type = r.choice(entry, 'optimizer', OPTIMIZER_TYPES);
    return type && { type };
  }
  const entries = r.entries(entry.value, 'optimizer', ['type', ...OPTIMIZER_KEYS]);
  const typeEntry = entries.get('type');
  if (!typeEntry) {
    r.error(entry.range, 'spec.optimizerNeedsType', { types: OPTIMIZER_TYPES.join(', ') });
    return undefined;
  }
  const type = r.choice(typeEntry, 'optimizer', OPTIMIZER_TYPES);
  if (!type) return undefined;
  const options: OptimizerOptions = { type };
  const errorsBefore = r.errorCount();
  for (const key of OPTIMIZER_KEYS) {
    const e = entries.get(key);
    if (!e) continue;
    if (!OPTIMIZER_FIELDS[type].includes(key)) {
      r.warn(e.keyRange, 'spec.optimizerKeyNotApplicable', { key, type });
      continue;
    }
    const value = r.number(e, key, key === 'lr' ? 'positive' : 'non-negative');
    if (value !== undefined && key !== 'lr' && value >= 1) r.error(e.range, 'spec.mustBeBelowOne', { what: key, got: String(value) });
    options[key] = value;
  }
  return r.errorCount() > errorsBefore ? undefined : options;
}

/** `eval: { every: 100 }` or `eval: { every: epoch }`. */
function readEval(r: Reader, entry: Entry): number | 'epoch' | undefined {
  const node = r.map(entry, 'eval');
  if (!node) return undefined;
  const every = r.entries(node, 'eval', ['every']).get('every');
  if (!every) {
    r.error(entry.range, 'spec.evalNeedsEvery');
    return undefined;
  }
  if (isScalar(every.value) && typeof every.value.value === 'string') return r.choice(every, phrase('spec.what.evalEvery'), ['epoch'] as const);
  return r.number(every, phrase('spec.what.evalEvery'), 'positive-integer');
}

/** `check: { h, atol, rtol }`, each optional. */
function readCheck(r: Reader, entry: Entry | undefined): CheckSpec | undefined {
  if (!entry) return { ...DEFAULT_CHECK };
  const node = r.map(entry, 'check');
  if (!node) return undefined;
  const entries = r.entries(node, 'check', ['h', 'atol', 'rtol']);
  const read = (key: 'h' | 'atol' | 'rtol', rule: 'positive' | 'non-negative') => {
    const e = entries.get(key);
    return e ? r.number(e, key, rule) : DEFAULT_CHECK[key];
  };
  const h = read('h', 'positive');
  const atol = read('atol', 'non-negative');
  const rtol = read('rtol', 'non-negative');
  return h === undefined || atol === undefined || rtol === undefined ? undefined : { h, atol, rtol };
}

/** The layer list, with default names and a check that names are unique. */
function readLayers(r: Reader, entry: Entry, maxElements: number): LayerSpec[] | undefined {
  const items = r.list(entry, 'layers');
  if (!items) return undefined;
  if (items.length === 0) {
    r.error(entry.range, 'spec.layersEmpty');
    return undefined;
  }
  const counts = new Map<string, number>();
  const layers: LayerSpec[] = [];
  const nameRanges: (Range | undefined)[] = [];
  const positions: number[] = [];
  let ok = true;
  for (const [position, item] of items.entries()) {
    const read = readLayer(r, item, maxElements);
    if (!read) {
      ok = false;
      continue;
    }
    const { layer, nameRange } = read;
    const base = layer.python ? layer.python.className : layer.type === 'custom' ? customBaseName(layer.module ?? '') : DEFAULT_NAME[layer.type];
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    if (!layer.named) layer.name = `${base}${n}`;
    layers.push(layer);
    nameRanges.push(nameRange);
    positions.push(position + 1);
  }
  const seen = new Map<string, number>();
  layers.forEach((layer, i) => {
    const first = seen.get(layer.name);
    if (first === undefined) {
      seen.set(layer.name, i);
      return;
    }
    // Point at a name the user wrote: this one if named, else the earlier one.
    const at = nameRanges[i] ?? nameRanges[first] ?? layer.typeRange;
    const unnamed = !layer.named ? i : !layers[first].named ? first : undefined;
    if (unnamed === undefined) r.error(at, 'spec.duplicateLayerName', { name: layer.name });
    else r.error(at, 'spec.duplicateLayerNameDefault', { name: layer.name, position: String(positions[unnamed]) });
    ok = false;
  });
  return ok ? layers : undefined;
}

/** One layer: a bare type name or a mapping with `type`. */
function readLayer(r: Reader, item: YNode, maxElements: number): { layer: LayerSpec; nameRange?: Range } | undefined {
  const range = r.rangeOf(item);
  if (isScalar(item)) {
    const type = readType(r, item, range);
    if (type === 'custom') {
      r.error(range, 'spec.customNeedsModuleBare');
      return undefined;
    }
    return type && { layer: { type, name: '', named: false, range, typeRange: range, ...defaults(type) } };
  }
  if (!isMap(item)) {
    r.error(range, 'spec.layerNotMapping', { got: r.describe(item) });
    return undefined;
  }
  const python = isPythonItem(item);
  const entries = r.entries(item, phrase('spec.what.layer'), python ? PYTHON_LAYER_KEYS : LAYER_KEYS);
  const typeEntry = entries.get('type');
  if (python && typeEntry) return readPythonLayer(r, entries, range, typeEntry.range, maxElements);
  if (!typeEntry) {
    r.error(range, 'spec.layerNeedsType');
    return undefined;
  }
  const type = readType(r, typeEntry.value, typeEntry.range);
  if (!type) return undefined;
  const layer: LayerSpec = { type, name: '', named: false, range, typeRange: typeEntry.range, ...defaults(type) };
  const errorsBefore = r.errorCount();

  const nameEntry = entries.get('name');
  if (nameEntry) {
    const name = r.string(nameEntry, 'name');
    if (name !== undefined && name.trim() === '') r.error(nameEntry.range, 'spec.nameEmpty');
    else if (name !== undefined) Object.assign(layer, { name, named: true });
  }
  for (const key of LAYER_KEYS.slice(2)) {
    const e = entries.get(key);
    if (e && !LAYER_FIELDS[type].includes(key)) r.warn(e.keyRange, 'spec.layerKeyNotApplicable', { key, type });
  }
  const field = (key: string) => (LAYER_FIELDS[type].includes(key) ? entries.get(key) : undefined);

  const units = field('units');
  if (units) {
    layer.units = r.number(units, 'units', 'positive-integer');
    layer.unitsRange = units.range;
  }
  readWindow(r, layer, field);
  const alpha = field('alpha');
  if (alpha) layer.alpha = r.number(alpha, 'alpha', 'finite');
  const ratio = field('ratio');
  if (ratio) {
    layer.ratio = r.number(ratio, 'ratio', 'non-negative');
    if (layer.ratio !== undefined && layer.ratio >= 1) r.error(ratio.range, 'spec.mustBeBelowOne', { what: 'ratio', got: r.describe(ratio.value) });
  }
  const eps = field('eps');
  if (eps) layer.eps = r.number(eps, 'eps', 'positive');
  const init = field('init');
  if (init) layer.init = readInit(r, init);
  const weights = field('weights');
  if (weights) layer.weights = readWeights(r, weights, LAYER_PARAMS[type] ?? [], maxElements);
  if (type === 'custom') {
    const module = field('module');
    if (!module) r.error(typeEntry.range, 'spec.customNeedsModule');
    else Object.assign(layer, { module: readModule(r, module), moduleRange: module.range });
    const params = field('params');
    if (params) layer.params = readCustomParams(r, params, maxElements);
  }

  if (r.errorCount() > errorsBefore) return undefined;
  return { layer, nameRange: nameEntry?.range };
}

/** Whether a layer mapping says `type: python`. */
function isPythonItem(item: YAMLMap): boolean {
  return item.items.some((pair) => isScalar(pair.key) && pair.key.value === 'type' && isScalar(pair.value) && pair.value.value === 'python');
}

/** A `type: python` layer: a custom layer whose code is a Python class, named after the class as a built-in is (Relu1). */
function readPythonLayer(r: Reader, entries: Map<string, Entry>, range: Range, typeRange: Range, maxElements: number): { layer: LayerSpec; nameRange?: Range } | undefined {
  const errorsBefore = r.errorCount();
  const layer: LayerSpec = { type: 'custom', name: '', named: false, range, typeRange };
  const nameEntry = entries.get('name');
  const name = nameEntry && r.string(nameEntry, 'name');
  if (nameEntry && name !== undefined && name.trim() === '') r.error(nameEntry.range, 'spec.nameEmpty');
  else if (name !== undefined) Object.assign(layer, { name, named: true });
  const found = readPythonClass(r, entries, typeRange, maxElements);
  if (!found || r.errorCount() > errorsBefore) return undefined;
  const { module, moduleRange, ...python } = found;
  Object.assign(layer, { module, moduleRange, python });
  return { layer, nameRange: nameEntry?.range };
}

/** Layer fields a type has even when the spec leaves them out. */
function defaults(type: LayerType): Partial<LayerSpec> {
  if (type === 'affine' || type === 'convolution') return { init: { ...DEFAULT_INIT } };
  if (type === 'leaky-relu') return { alpha: 0.01 };
  if (type === 'dropout') return { ratio: 0.5 };
  return {};
}

/**
 * A convolution's `filters` and a convolution's or pooling layer's `size` (an integer or [h, w]),
 * `stride` and `pad`. A pooling window moves by its size unless told; a non-square one must be told.
 */
function readWindow(r: Reader, layer: LayerSpec, field: (key: string) => Entry | undefined): void {
  const filters = field('filters');
  if (filters) layer.filters = r.number(filters, 'filters', 'positive-integer');
  const size = field('size');
  if (size) layer.size = readSize(r, size);
  const stride = field('stride');
  if (stride) layer.stride = r.number(stride, 'stride', 'positive-integer');
  const pad = field('pad');
  if (pad) layer.pad = r.number(pad, 'pad', 'non-negative-integer');
  if (layer.type === 'pooling' && size && !stride && layer.size && layer.size[0] !== layer.size[1]) r.error(size.range, 'spec.poolingNeedsStride', { size: layer.size.join('×') });
}

/** `size: 5` or `size: [5, 3]`. */
function readSize(r: Reader, entry: Entry): [number, number] | undefined {
  if (!isSeq(entry.value)) {
    const n = r.number(entry, 'size', 'positive-integer');
    return n === undefined ? undefined : [n, n];
  }
  const items = entry.value.items as YNode[];
  if (items.length !== 2) {
    r.error(entry.range, 'spec.sizeValues', { count: String(items.length) });
    return undefined;
  }
  const [h, w] = items.map((item) => r.numberAt(item, r.rangeOf(item), phrase('spec.what.windowSize'), 'positive-integer'));
  return h === undefined || w === undefined ? undefined : [h, w];
}

/** A layer type, with a pointer to `loss:` when the word names a loss. */
function readType(r: Reader, node: YNode, range: Range): LayerType | undefined {
  const word = r.stringAt(node, range, phrase('spec.what.layerType'));
  if (word === undefined) return undefined;
  const loss = lookup(word, LOSS_TYPES, LOSS_ALIASES);
  if (loss) {
    r.error(range, 'spec.lossNotLayer', { loss });
    return undefined;
  }
  return r.choiceAt(node, range, phrase('spec.what.layerType'), LAYER_TYPES, LAYER_ALIASES);
}

/** `init`: a scheme name, a std, or { scheme, std, bias }. */
export function readInit(r: Reader, entry: Entry): InitSpec | undefined {
  const schemes = ['normal', 'he', 'xavier', 'zeros'] as const;
  if (isScalar(entry.value) && typeof entry.value.value === 'number') {
    const std = r.number(entry, phrase('spec.what.initStd'), 'non-negative');
    return std === undefined ? undefined : { scheme: 'normal', std, bias: 0 };
  }
  if (!isMap(entry.value)) {
    const scheme = r.choice(entry, phrase('spec.what.initScheme'), schemes, { glorot: 'xavier', zero: 'zeros' });
    if (!scheme) return undefined;
    return scheme === 'normal' ? { ...DEFAULT_INIT } : { scheme, bias: 0 };
  }
  const entries = r.entries(entry.value, 'init', ['scheme', 'std', 'bias']);
  const schemeEntry = entries.get('scheme');
  const scheme = schemeEntry ? r.choice(schemeEntry, phrase('spec.what.initScheme'), schemes, { glorot: 'xavier', zero: 'zeros' }) : 'normal';
  const stdEntry = entries.get('std');
  if (stdEntry && scheme && scheme !== 'normal') r.warn(stdEntry.keyRange, 'spec.stdNormalOnly', { scheme });
  const std = stdEntry ? r.number(stdEntry, 'std', 'non-negative') : DEFAULT_STD;
  const biasEntry = entries.get('bias');
  const bias = biasEntry ? r.number(biasEntry, 'bias', 'finite') : 0;
  if (!scheme || std === undefined || bias === undefined) return undefined;
  return scheme === 'normal' ? { scheme, std, bias } : { scheme, bias };
}

/** `weights: { W: ..., b: ... }` (or gamma, beta). */
function readWeights(r: Reader, entry: Entry, params: readonly ParamName[], maxElements: number): Partial<Record<ParamName, DataSource>> | undefined {
  const node: YAMLMap | undefined = r.map(entry, 'weights');
  if (!node) return undefined;
  const entries = r.entries(node, 'weights', params);
  const out: Partial<Record<ParamName, DataSource>> = {};
  for (const p of params) {
    const e = entries.get(p);
    const source = e && readWeight(r, e, p, maxElements);
    if (source) out[p] = source;
  }
  return out;
}

/**
 * The book-style class name a custom layer's default name counts up from: the module's file name
 * without extension, in words joined with capitals (./layers/seed-softmax.js → SeedSoftmax).
 */
export function customBaseName(module: string): string {
  const stem = (module.split(/[\\/]/).pop() ?? '').replace(/\.[cm]?js$/i, '');
  const words = stem.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join('') || 'Custom';
}

/** A custom layer's `module`: a path to a .js, .cjs or .mjs file. */
function readModule(r: Reader, entry: Entry): string | undefined {
  const path = r.string(entry, 'module');
  if (path === undefined) return undefined;
  if (path.trim() === '') r.error(entry.range, 'spec.modulePath');
  else if (/\.[cm]?ts$/i.test(path)) r.error(entry.range, 'spec.moduleTypeScript', { path });
  else if (!/\.[cm]?js$/i.test(path)) r.error(entry.range, 'spec.moduleNotJs', { path });
  else return path;
  return undefined;
}

/** A custom layer's `params: { name: values, ... }`, each like an explicit weight. */
function readCustomParams(r: Reader, entry: Entry, maxElements: number): Record<string, DataSource> | undefined {
  const node = r.map(entry, 'params');
  if (!node) return undefined;
  const names = node.items.flatMap((pair) => (isScalar(pair.key) && typeof pair.key.value === 'string' ? [pair.key.value] : []));
  const out: Record<string, DataSource> = {};
  for (const [name, e] of r.entries(node, 'params', names)) {
    if (name === 'dx') {
      r.error(e.keyRange, 'spec.paramNamedDx');
      continue;
    }
    const source = readWeight(r, e, name, maxElements);
    if (source) out[name] = source;
  }
  return out;
}
