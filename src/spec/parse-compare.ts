// The `compare:` section: one train key (or `init`) and a list of values, each a variant of the
// spec's training, or with `init` and no `train:` of its single run. Every variant starts from the
// same seed and draws the same minibatches, so the compared key is the only difference; keys that
// would change the draws or the x axis are refused.
import { fmt } from '../format';
import type { CompareKey, CompareSpec, CompareVariant, InitSpec, LayerSpec, TrainSpec } from './model';
import { readInit, readOptimizer } from './parse-network';
import { phrase, type SpecMessageId } from './problem';
import type { Entry, Reader } from './reader';

/** Keys a comparison may vary. */
export const COMPARE_KEYS: readonly CompareKey[] = ['optimizer', 'init', 'weightDecay', 'seed'];

/** Train keys a comparison refuses, each with the message saying why. */
const FIXED_KEYS: Readonly<Record<string, SpecMessageId>> = {
  iterations: 'spec.compareFixedIterations',
  batch: 'spec.compareFixedBatch',
  eval: 'spec.compareFixedEval',
};

/** One value of the list read as the compared key's value, with the settings that tell it from another of the same label. */
type Read = CompareVariant & { detail: string };

/** Reads `compare: { key: [values] }` against the spec's train section (null: none) and layers; undefined after an error. */
export function readCompare(r: Reader, entry: Entry, train: TrainSpec | null, layers: readonly LayerSpec[] | undefined): CompareSpec | undefined {
  const node = r.map(entry, 'compare');
  if (!node) return undefined;
  const known: readonly string[] = [...COMPARE_KEYS, ...Object.keys(FIXED_KEYS)];
  // An unknown key is warned of (with a suggestion) and left out.
  const entries = [...r.entries(node, 'compare', known).values()].filter((e) => known.includes(e.key));
  const errorsBefore = r.errorCount();
  const [first, ...more] = entries;
  for (const e of more) r.error(e.keyRange, 'spec.compareOneKey', { key: first.key });
  if (!first) {
    r.error(entry.range, 'spec.compareNeedsKey', { keys: COMPARE_KEYS.join(', ') });
    return undefined;
  }
  if (first.key in FIXED_KEYS) {
    r.error(first.keyRange, FIXED_KEYS[first.key]);
    return undefined;
  }
  const key = first.key as CompareKey;
  // Only init changes a single forward and backward pass; the other keys change the training.
  if (!train && key !== 'init') {
    r.error(first.keyRange, 'spec.compareNeedsTrain', { key });
    return undefined;
  }
  const items = r.list(first, phrase('spec.what.compareKey', { key }));
  if (!items) return undefined;
  if (items.length === 0) {
    r.error(first.range, 'spec.compareEmpty', { key, example: example(key) });
    return undefined;
  }
  if (items.length === 1) r.warn(first.range, 'spec.compareOneValue', { key });
  if (key === 'init' && layers && !layers.some((l) => l.type === 'affine')) r.error(first.keyRange, 'spec.compareInitNoAffine');

  const read: Read[] = [];
  for (const item of items) {
    const range = r.rangeOf(item);
    const value = readValue(r, key, { key, keyRange: first.keyRange, value: item, range }, train);
    if (value) read.push({ ...value, range });
  }
  if (r.errorCount() > errorsBefore || read.length < items.length) return undefined;
  // The short label when it tells the variants apart (sgd, adam), else with the settings (sgd lr 0.1).
  const labels = read.map((v) => v.label);
  const variants = read.map(({ label, detail, ...v }): CompareVariant => ({ ...v, label: labels.filter((l) => l === label).length > 1 && detail ? `${label} ${detail}` : label }));
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.label)) r.warn(v.range, 'spec.compareListedTwice', { label: v.label });
    seen.add(v.label);
  }
  return { key, variants, range: entry.range };
}

/** A value each key takes, for messages. */
function example(key: CompareKey): string {
  return { optimizer: 'sgd, adam', init: '0.01, xavier, he', weightDecay: '0, 0.1', seed: '0, 1' }[key];
}

/** The variant one list item makes; undefined after an error. */
function readValue(r: Reader, key: CompareKey, item: Entry, train: TrainSpec | null): Omit<Read, 'range'> | undefined {
  if (key === 'init') {
    const init = readInit(r, item);
    return init && { label: initLabel(init), detail: init.bias !== 0 ? `bias ${fmt(init.bias)}` : '', train, init };
  }
  if (!train) return undefined;
  switch (key) {
    case 'optimizer': {
      const optimizer = readOptimizer(r, item);
      if (!optimizer) return undefined;
      const { type, ...settings } = optimizer;
      const detail = Object.entries(settings).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
      return { label: type, detail, train: { ...train, optimizer }, init: null };
    }
    case 'weightDecay': {
      const weightDecay = r.number(item, 'weightDecay', 'non-negative');
      return weightDecay === undefined ? undefined : { label: `λ ${fmt(weightDecay)}`, detail: '', train: { ...train, weightDecay }, init: null };
    }
    case 'seed': {
      const seed = r.number(item, 'seed', 'non-negative-integer');
      return seed === undefined ? undefined : { label: `seed ${seed}`, detail: '', train: { ...train, seed }, init: null };
    }
  }
}

/** "std 0.01" for the normal scheme, else the scheme's name. */
function initLabel(init: InitSpec): string {
  return init.scheme === 'normal' ? `std ${fmt(init.std)}` : init.scheme;
}

/** The spec a variant trains: the compared train settings, and its init on every affine layer that draws its weights. */
export function variantOf<S extends { train: TrainSpec | null; layers: LayerSpec[] }>(spec: S, variant: CompareVariant): S {
  const init = variant.init;
  const layers = init ? spec.layers.map((l) => (l.type === 'affine' ? { ...l, init } : l)) : spec.layers;
  return { ...spec, train: variant.train, layers };
}
