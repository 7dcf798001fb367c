// Reading tensors and data sources (input, target, explicit weights) off the document.
import { fmtCount } from '../format';
import { isMap, isScalar, isSeq } from 'yaml';
import { sizeOf, type Tensor } from '../engine/tensor';
import { MNIST_PIXELS, MNIST_SPLIT_SIZE } from './mnist';
import type { DataSource, Phrase, Range } from './model';
import { phrase } from './problem';
import type { Entry, Reader, What, YNode } from './reader';
import { formatShape, oneOfArg } from './suggest';

/** Deepest nesting a data list may have (also bounds the reader's recursion). */
const MAX_RANK = 8;

/** Where a data source sits, which decides the forms it may take. */
export type SourceRole = 'input' | 'target';

/** "x has shape [a, b]: n elements, over the limit of m (limits.maxElements)". */
export function overLimit(what: What, shape: readonly number[], maxElements: number): Phrase {
  return phrase('spec.overLimit', { what, shape: formatShape(shape), elements: fmtCount(sizeOf(shape)), limit: fmtCount(maxElements) });
}

/**
 * A rectangular list of finite numbers, nested at least `minRank` deep. The shape is read off the
 * first items and checked against `maxElements` before anything is allocated.
 */
export function readTensor(r: Reader, node: YNode, range: Range, what: What, maxElements: number, minRank: number): Tensor | undefined {
  const shape: number[] = [];
  let level: YNode = node;
  while (isSeq(level)) {
    if (shape.length === MAX_RANK) {
      r.error(range, 'spec.dataTooDeep', { what, max: String(MAX_RANK) });
      return undefined;
    }
    if (level.items.length === 0) {
      r.error(r.rangeOf(level), 'spec.dataEmptyList', { what });
      return undefined;
    }
    shape.push(level.items.length);
    level = level.items[0] as YNode;
  }
  if (shape.length === 0) {
    r.error(range, 'spec.dataNotList', { what, got: r.describe(node) });
    return undefined;
  }
  if (shape.length < minRank) {
    r.error(range, 'spec.dataNotRows', { what, shape: formatShape(shape) });
    return undefined;
  }
  if (sizeOf(shape) > maxElements) {
    r.error(range, overLimit(what, shape, maxElements));
    return undefined;
  }
  const data = new Float64Array(sizeOf(shape));
  let k = 0;
  // Depth is at most MAX_RANK, so recursion is shallow.
  const walk = (item: YNode, depth: number): boolean => {
    if (depth === shape.length) {
      if (isScalar(item) && typeof item.value === 'number' && Number.isFinite(item.value)) {
        data[k++] = item.value;
        return true;
      }
      const finite = isScalar(item) && typeof item.value === 'number';
      r.error(r.rangeOf(item), finite ? 'spec.dataValuesFinite' : 'spec.dataValuesNumbers', { what, got: r.describe(item) });
      return false;
    }
    if (!isSeq(item)) {
      r.error(r.rangeOf(item), 'spec.raggedNotList', { what, size: String(shape[depth]), got: r.describe(item) });
      return false;
    }
    if (item.items.length !== shape[depth]) {
      r.error(r.rangeOf(item), item.items.length === 1 ? 'spec.raggedLengthOne' : 'spec.raggedLength', { what, count: String(item.items.length), first: String(shape[depth]) });
      return false;
    }
    return item.items.every((child) => walk(child as YNode, depth + 1));
  };
  return walk(node, 0) ? { shape, data } : undefined;
}

/** Integer class labels, each with its range. */
export function readLabels(r: Reader, entry: Entry, maxElements: number): { labels: number[]; itemRanges: Range[] } | undefined {
  const items = r.list(entry, 'labels');
  if (!items) return undefined;
  if (items.length === 0) {
    r.error(entry.range, 'spec.labelsEmpty');
    return undefined;
  }
  if (items.length > maxElements) {
    r.error(entry.range, overLimit('labels', [items.length], maxElements));
    return undefined;
  }
  const labels: number[] = [];
  const itemRanges: Range[] = [];
  for (const item of items) {
    const range = r.rangeOf(item);
    const label = r.numberAt(item, range, phrase('spec.what.label'), 'non-negative-integer');
    if (label === undefined) return undefined;
    labels.push(label);
    itemRanges.push(range);
  }
  return { labels, itemRanges };
}

/** A shape: a non-empty list of positive integers whose product is within `maxElements`. */
export function readShape(r: Reader, entry: Entry, what: What, maxElements: number, minRank: number): number[] | undefined {
  const items = r.list(entry, phrase('spec.what.shapeOf', { what }));
  if (!items) return undefined;
  if (items.length < Math.max(1, minRank) || items.length > MAX_RANK) {
    r.error(entry.range, 'spec.shapeRank', { what, min: String(Math.max(1, minRank)), max: String(MAX_RANK), count: String(items.length) });
    return undefined;
  }
  const shape: number[] = [];
  for (const item of items) {
    const size = r.numberAt(item, r.rangeOf(item), phrase('spec.what.size'), 'positive-integer');
    if (size === undefined) return undefined;
    shape.push(size);
  }
  if (sizeOf(shape) > maxElements) {
    r.error(entry.range, overLimit(what, shape, maxElements));
    return undefined;
  }
  return shape;
}

const SOURCE_KINDS = ['data', 'labels', 'random', 'dataset', 'file'] as const;

/**
 * An input or target: a mapping with one of data, labels (target only), random, dataset or file.
 * A target's `dataset` takes its digits from the input, so split, count and offset belong there.
 */
export function readSource(r: Reader, entry: Entry, role: SourceRole, maxElements: number): DataSource | undefined {
  const node = r.map(entry, role);
  if (!node) return undefined;
  const kinds = role === 'input' ? SOURCE_KINDS.filter((k) => k !== 'labels') : SOURCE_KINDS;
  const entries = r.entries(node, role, [...kinds, 'split', 'count', 'offset', 'shape']);
  const present = kinds.filter((k) => entries.has(k));
  if (present.length === 0) {
    r.error(entry.range, 'spec.sourceNeedsOne', { role, kinds: oneOfArg(kinds) });
    return undefined;
  }
  if (present.length > 1) {
    r.error(entries.get(present[1])!.keyRange, 'spec.sourceBoth', { role, first: present[0], second: present[1] });
    return undefined;
  }
  const kind = present[0];
  const value = entries.get(kind)!;
  if (kind !== 'dataset') {
    for (const k of ['split', 'count', 'offset', 'shape']) {
      const extra = entries.get(k);
      if (extra) r.warn(extra.keyRange, 'spec.datasetOnly', { key: k });
    }
  }
  switch (kind) {
    case 'data': {
      const tensor = readTensor(r, value.value, value.range, phrase(role === 'input' ? 'spec.what.inputData' : 'spec.what.targetData'), maxElements, role === 'input' ? 2 : 1);
      return tensor && { kind: 'data', tensor, range: value.range };
    }
    case 'labels': {
      const labels = readLabels(r, value, maxElements);
      return labels && { kind: 'labels', ...labels, range: value.range };
    }
    case 'random':
      return readRandom(r, value, role, maxElements);
    case 'file': {
      const path = r.string(value, 'file');
      if (path === '') r.error(value.range, 'spec.filePathX');
      return path ? { kind: 'file', path, range: value.range } : undefined;
    }
    case 'dataset':
      return readDataset(r, value, entries, role, entry.range);
  }
}

/** `random: { shape, dist }`; a target may leave both out. */
function readRandom(r: Reader, entry: Entry, role: SourceRole, maxElements: number): DataSource | undefined {
  if (role === 'target' && r.isEmpty(entry.value)) return { kind: 'random', shape: null, dist: 'normal', range: entry.range };
  const node = r.map(entry, 'random');
  if (!node) return undefined;
  const entries = r.entries(node, 'random', ['shape', 'dist']);
  const shapeEntry = entries.get('shape');
  let shape: number[] | null = null;
  if (shapeEntry) {
    const read = readShape(r, shapeEntry, phrase(role === 'input' ? 'spec.what.randomInput' : 'spec.what.randomTarget'), maxElements, role === 'input' ? 2 : 1);
    if (!read) return undefined;
    shape = read;
  } else if (role === 'input') {
    r.error(entry.range, 'spec.randomNeedsShape');
    return undefined;
  }
  const distEntry = entries.get('dist');
  const dist = distEntry ? r.choice(distEntry, 'dist', ['normal', 'uniform'] as const) : 'normal';
  return dist && { kind: 'random', shape, dist, range: entry.range };
}

/** `dataset: mnist` with split, count and offset (input), or alone (target: the input digits' labels). */
function readDataset(r: Reader, entry: Entry, entries: Map<string, Entry>, role: SourceRole, range: Range): DataSource | undefined {
  const name = r.choice(entry, 'dataset', ['mnist'] as const);
  if (!name) return undefined;
  if (role === 'target') {
    for (const k of ['split', 'count', 'offset', 'shape']) {
      const extra = entries.get(k);
      if (extra) r.warn(extra.keyRange, 'spec.targetFollowsInput', { key: k });
    }
    // Split, count and offset are copied from the input once both are read.
    return { kind: 'dataset', name, split: 'train', count: 0, offset: 0, range };
  }
  const splitEntry = entries.get('split');
  const split = splitEntry ? r.choice(splitEntry, 'split', ['train', 'test'] as const) : 'train';
  const countEntry = entries.get('count');
  if (!countEntry) {
    r.error(entry.keyRange, 'spec.datasetNeedsCount');
    return undefined;
  }
  const count = r.number(countEntry, 'count', 'positive-integer');
  const offsetEntry = entries.get('offset');
  const offset = offsetEntry ? r.number(offsetEntry, 'offset', 'non-negative-integer') : 0;
  const shapeEntry = entries.get('shape');
  const shape = shapeEntry && readShape(r, shapeEntry, phrase('spec.what.digit'), Infinity, 1);
  if (shapeEntry && shape && sizeOf(shape) !== MNIST_PIXELS) {
    r.error(shapeEntry.range, 'spec.digitShape', { pixels: String(MNIST_PIXELS), shape: formatShape(shape), holds: fmtCount(sizeOf(shape)) });
    return undefined;
  }
  if (!split || count === undefined || offset === undefined || (shapeEntry && !shape)) return undefined;
  const size = MNIST_SPLIT_SIZE[split];
  if (offset + count > size) {
    r.error(countEntry.range, 'spec.mnistPastEnd', { split, size: fmtCount(size), offset: fmtCount(offset), count: fmtCount(count) });
    return undefined;
  }
  return { kind: 'dataset', name, split, count, offset, range, ...(shape && { shape }) };
}

/** An explicit parameter: an inline list, or a mapping with `data` or `file`. */
export function readWeight(r: Reader, entry: Entry, what: string, maxElements: number): DataSource | undefined {
  if (isSeq(entry.value)) {
    const tensor = readTensor(r, entry.value, entry.range, what, maxElements, 1);
    return tensor && { kind: 'data', tensor, range: entry.range };
  }
  if (!isMap(entry.value)) {
    r.error(entry.range, 'spec.weightForm', { what, got: r.describe(entry.value) });
    return undefined;
  }
  const entries = r.entries(entry.value, what, ['data', 'file']);
  const data = entries.get('data');
  const file = entries.get('file');
  if (data && file) {
    r.error(file.keyRange, 'spec.weightBoth', { what });
    return undefined;
  }
  if (data) {
    const tensor = readTensor(r, data.value, data.range, what, maxElements, 1);
    return tensor && { kind: 'data', tensor, range: data.range };
  }
  if (file) {
    const path = r.string(file, 'file');
    if (path === '') r.error(file.range, 'spec.filePathW');
    return path ? { kind: 'file', path, range: file.range } : undefined;
  }
  r.error(entry.range, 'spec.weightNeedsData', { what });
  return undefined;
}
