// Reading tensors and data sources (input, target, explicit weights) off the document.
import { fmtCount } from '../format';
import { isMap, isScalar, isSeq } from 'yaml';
import { sizeOf, type Tensor } from '../engine/tensor';
import { MNIST_PIXELS, MNIST_SPLIT_SIZE } from './mnist';
import type { DataSource, Range } from './model';
import type { Entry, Reader, YNode } from './reader';
import { formatShape, oneOf } from './suggest';

/** Deepest nesting a data list may have (also bounds the reader's recursion). */
const MAX_RANK = 8;

/** Where a data source sits, which decides the forms it may take. */
export type SourceRole = 'input' | 'target';

/** "x has shape [a, b]: n elements, over the limit of m (limits.maxElements)". */
export function overLimit(what: string, shape: readonly number[], maxElements: number): string {
  return `${what} has shape ${formatShape(shape)}: ${fmtCount(sizeOf(shape))} elements, over the limit of ${fmtCount(maxElements)} (limits.maxElements)`;
}

/**
 * A rectangular list of finite numbers, nested at least `minRank` deep. The shape is read off the
 * first items and checked against `maxElements` before anything is allocated.
 */
export function readTensor(r: Reader, node: YNode, range: Range, what: string, maxElements: number, minRank: number): Tensor | undefined {
  const shape: number[] = [];
  let level: YNode = node;
  while (isSeq(level)) {
    if (shape.length === MAX_RANK) {
      r.error(range, `${what} nests deeper than ${MAX_RANK} levels`);
      return undefined;
    }
    if (level.items.length === 0) {
      r.error(r.rangeOf(level), `${what} has an empty list; every axis needs at least one value`);
      return undefined;
    }
    shape.push(level.items.length);
    level = level.items[0] as YNode;
  }
  if (shape.length === 0) {
    r.error(range, `${what} must be a list of numbers, got ${r.describe(node)}`);
    return undefined;
  }
  if (shape.length < minRank) {
    r.error(range, `${what} must be a list of rows, e.g. [[0.1, 0.2], [0.3, 0.4]]; got shape ${formatShape(shape)}`);
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
      const finite = isScalar(item) && typeof item.value === 'number' ? 'finite ' : '';
      r.error(r.rangeOf(item), `${what} values must be ${finite}numbers, got ${r.describe(item)}`);
      return false;
    }
    if (!isSeq(item)) {
      r.error(r.rangeOf(item), `ragged ${what}: expected a list of ${shape[depth]} here, got ${r.describe(item)}`);
      return false;
    }
    if (item.items.length !== shape[depth]) {
      r.error(r.rangeOf(item), `ragged ${what}: this list has ${item.items.length} item${item.items.length === 1 ? '' : 's'}, the first one at this level has ${shape[depth]}`);
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
    r.error(entry.range, 'labels is empty');
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
    const label = r.numberAt(item, range, 'a label', 'non-negative-integer');
    if (label === undefined) return undefined;
    labels.push(label);
    itemRanges.push(range);
  }
  return { labels, itemRanges };
}

/** A shape: a non-empty list of positive integers whose product is within `maxElements`. */
export function readShape(r: Reader, entry: Entry, what: string, maxElements: number, minRank: number): number[] | undefined {
  const items = r.list(entry, `${what} shape`);
  if (!items) return undefined;
  if (items.length < Math.max(1, minRank) || items.length > MAX_RANK) {
    r.error(entry.range, `${what} shape must have ${minRank > 1 ? `${minRank} to ${MAX_RANK}` : `1 to ${MAX_RANK}`} sizes, e.g. [4, 784]; got ${items.length}`);
    return undefined;
  }
  const shape: number[] = [];
  for (const item of items) {
    const size = r.numberAt(item, r.rangeOf(item), 'a size', 'positive-integer');
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
    r.error(entry.range, `${role} needs one of ${oneOf(kinds)}`);
    return undefined;
  }
  if (present.length > 1) {
    r.error(entries.get(present[1])!.keyRange, `${role} has both ${present[0]} and ${present[1]}; keep one`);
    return undefined;
  }
  const kind = present[0];
  const value = entries.get(kind)!;
  if (kind !== 'dataset') {
    for (const k of ['split', 'count', 'offset', 'shape']) {
      const extra = entries.get(k);
      if (extra) r.warn(extra.keyRange, `${k} applies to dataset inputs only`);
    }
  }
  switch (kind) {
    case 'data': {
      const tensor = readTensor(r, value.value, value.range, `${role} data`, maxElements, role === 'input' ? 2 : 1);
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
      if (path === '') r.error(value.range, 'file must be a path, e.g. x.npy');
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
    const read = readShape(r, shapeEntry, `random ${role}`, maxElements, role === 'input' ? 2 : 1);
    if (!read) return undefined;
    shape = read;
  } else if (role === 'input') {
    r.error(entry.range, 'random input needs a shape, e.g. random: { shape: [4, 784] }');
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
      if (extra) r.warn(extra.keyRange, `the target's labels follow the input's ${k}; remove it here`);
    }
    // Split, count and offset are copied from the input once both are read.
    return { kind: 'dataset', name, split: 'train', count: 0, offset: 0, range };
  }
  const splitEntry = entries.get('split');
  const split = splitEntry ? r.choice(splitEntry, 'split', ['train', 'test'] as const) : 'train';
  const countEntry = entries.get('count');
  if (!countEntry) {
    r.error(entry.keyRange, 'dataset input needs count: how many digits, e.g. count: 100');
    return undefined;
  }
  const count = r.number(countEntry, 'count', 'positive-integer');
  const offsetEntry = entries.get('offset');
  const offset = offsetEntry ? r.number(offsetEntry, 'offset', 'non-negative-integer') : 0;
  const shapeEntry = entries.get('shape');
  const shape = shapeEntry && readShape(r, shapeEntry, 'digit', Infinity, 1);
  if (shapeEntry && shape && sizeOf(shape) !== MNIST_PIXELS) {
    r.error(shapeEntry.range, `a digit has ${MNIST_PIXELS} pixels, but shape ${formatShape(shape)} holds ${fmtCount(sizeOf(shape))}; use [1, 28, 28] for images or [784] for rows`);
    return undefined;
  }
  if (!split || count === undefined || offset === undefined || (shapeEntry && !shape)) return undefined;
  const size = MNIST_SPLIT_SIZE[split];
  if (offset + count > size) {
    r.error(countEntry.range, `mnist ${split} has ${fmtCount(size)} digits; offset ${fmtCount(offset)} + count ${fmtCount(count)} goes past the end`);
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
    r.error(entry.range, `${what} must be a list of numbers or { file: w.npy }, got ${r.describe(entry.value)}`);
    return undefined;
  }
  const entries = r.entries(entry.value, what, ['data', 'file']);
  const data = entries.get('data');
  const file = entries.get('file');
  if (data && file) {
    r.error(file.keyRange, `${what} has both data and file; keep one`);
    return undefined;
  }
  if (data) {
    const tensor = readTensor(r, data.value, data.range, what, maxElements, 1);
    return tensor && { kind: 'data', tensor, range: data.range };
  }
  if (file) {
    const path = r.string(file, 'file');
    if (path === '') r.error(file.range, 'file must be a path, e.g. w.npy');
    return path ? { kind: 'file', path, range: file.range } : undefined;
  }
  r.error(entry.range, `${what} needs data or file`);
  return undefined;
}
