// `type: python` layers and `op: python` graph nodes: a class in a .py module, constructed with
// `args`. Plain values go to Python as they are; data sources become float64 arrays, in forms that
// make the book's Affine(W, b) short: W: { std: 0.01, shape: [784, 50] }, b: { zeros: [50] }.
import { isMap, isScalar, isSeq } from 'yaml';
import { tensor } from '../engine/tensor';
import type { DataSource, PythonArg, PythonClassSpec, Range } from './model';
import { readShape, readWeight } from './parse-data';
import { phrase, type SpecMessageId } from './problem';
import type { Entry, Reader } from './reader';

/** Keys of a python layer or node besides its own (type/op, name, in). */
export const PYTHON_KEYS = ['module', 'class', 'args'];


/** Each kind of python entry as messages name it. */
const PYTHON_KINDS: Readonly<Record<keyof typeof EXAMPLES, SpecMessageId>> = {
  layer: 'spec.what.pythonLayer',
  loss: 'spec.what.pythonLoss',
  node: 'spec.what.pythonNode',
  network: 'spec.what.pythonNetwork',
};

/** How messages show each kind of python entry, whose module (a .py path), class and args readPythonClass reads. */
const EXAMPLES = {
  layer: '{ type: python, module: ./layers.py, class: Relu }',
  loss: '{ type: python, module: ./layers.py, class: SoftmaxWithLoss }',
  node: '{ name: y, op: python, module: ./layers.py, class: MulLayer, in: [a, b] }',
  network: '{ module: ./two_layer_net.py, class: TwoLayerNet, args: { input_size: 784, hidden_size: 50, output_size: 10 } }',
} as const;

/** A python entry's module, class and args, arrays in the args up to maxElements; a graph node's args are plain values. */
export function readPythonClass(r: Reader, entries: Map<string, Entry>, at: Range, maxElements: number, kind: keyof typeof EXAMPLES = 'layer'): (PythonClassSpec & { module: string; moduleRange: Range }) | undefined {
  const moduleEntry = entries.get('module');
  const classEntry = entries.get('class');
  if (!moduleEntry || !classEntry) {
    const id: SpecMessageId = !moduleEntry && !classEntry ? 'spec.pythonNeedsModuleAndClass' : !moduleEntry ? 'spec.pythonNeedsModule' : 'spec.pythonNeedsClass';
    r.error(at, id, { kind: phrase(PYTHON_KINDS[kind]), example: EXAMPLES[kind] });
    return undefined;
  }
  const module = r.string(moduleEntry, 'module');
  if (module !== undefined && !/\.py$/i.test(module)) r.error(moduleEntry.range, 'spec.moduleNotPy', { path: module });
  const className = r.string(classEntry, 'class');
  if (className !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(className)) r.error(classEntry.range, 'spec.classNotName', { name: className });
  const argsEntry = entries.get('args');
  const args = argsEntry ? readArgs(r, argsEntry, kind === 'node' ? null : maxElements) : {};
  if (module === undefined || !/\.py$/i.test(module) || className === undefined || !args) return undefined;
  return { module, moduleRange: moduleEntry.range, className, classRange: classEntry.range, args };
}

/** The args of a class; with maxElements null (a graph node's, whose values are numbers), plain values only. */
function readArgs(r: Reader, entry: Entry, maxElements: number | null): Record<string, PythonArg> | undefined {
  const node = r.map(entry, 'args');
  if (!node) return undefined;
  const names = node.items.flatMap((pair) => (isScalar(pair.key) && typeof pair.key.value === 'string' ? [pair.key.value] : []));
  const args: Record<string, PythonArg> = {};
  let ok = true;
  for (const [name, e] of r.entries(node, 'args', names)) {
    const arg = readArg(r, e, name, maxElements);
    if (arg) args[name] = arg;
    else ok = false;
  }
  return ok ? args : undefined;
}

function readArg(r: Reader, e: Entry, name: string, maxElements: number | null): PythonArg | undefined {
  const value = e.value;
  if (isScalar(value)) {
    const v = value.value;
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return { kind: 'value', value: v };
    r.error(e.range, maxElements === null ? 'spec.argPlainForms' : 'spec.argForms', { name });
    return undefined;
  }
  if (maxElements === null) {
    r.error(e.range, 'spec.argGraphPlain', { name });
    return undefined;
  }
  if (isSeq(value)) {
    const source = readWeight(r, e, name, maxElements);
    return source && { kind: 'array', source };
  }
  if (!isMap(value)) {
    r.error(e.range, 'spec.argForms', { name });
    return undefined;
  }
  const keys = value.items.flatMap((pair) => (isScalar(pair.key) ? [String(pair.key.value)] : []));
  if (keys.includes('zeros')) {
    const shapeEntry = r.entries(value, name, ['zeros']).get('zeros')!;
    const shape = readShape(r, shapeEntry, name, maxElements, 0);
    const source: DataSource | undefined = shape && { kind: 'data', tensor: tensor(shape), range: shapeEntry.range };
    return source && { kind: 'array', source };
  }
  if (keys.includes('std') || keys.includes('shape')) {
    const entries = r.entries(value, name, ['std', 'shape']);
    const stdEntry = entries.get('std');
    const shapeEntry = entries.get('shape');
    if (!stdEntry || !shapeEntry) {
      r.error(e.range, 'spec.argNeedsStdAndShape', { name });
      return undefined;
    }
    const std = r.number(stdEntry, 'std', 'non-negative');
    const shape = readShape(r, shapeEntry, name, maxElements, 0);
    return std === undefined || !shape ? undefined : { kind: 'normal', std, shape, range: e.range };
  }
  const source = readWeight(r, e, name, maxElements);
  return source && { kind: 'array', source };
}
