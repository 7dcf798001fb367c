// A whole Python network (`network: { module, class, args }`) as the spec's layers: the class is
// constructed once, its `layers` (an OrderedDict, in order) become custom layers named by their keys
// and its `lastLayer` the loss, so the engine runs forward and backward layer by layer itself and
// every layer streams as a built-in's would. A class with its own gradient(x, t) is compared with
// backprop through its layers, where a learner's bug (layers reversed wrongly, a lost dout) shows.
import type { Sequential } from '../engine/network';
import type { Tensor } from '../engine/tensor';
import type { LayerSpec, NetworkSpec, Problem } from './model';
import type { UserLoss } from '../engine/layers/custom-loss';

/** What the worker's Python session finds in a network class. */
export interface PythonNetworkParts {
  layers: { name: string; className: string; exported: unknown }[];
  loss: { name: string; user: UserLoss } | null;
  /** Which layer parameter each of net.params is: W1 → [Affine1, W]. */
  owners: Record<string, [string, string]>;
  gradient: ((x: Tensor, t: Tensor) => Map<string, Tensor>) | null;
}

/** The spec with the network's layers in place of its empty `layers`, all on the network's line. */
export function expandedSpec(spec: NetworkSpec, parts: PythonNetworkParts): NetworkSpec {
  const net = spec.pythonNetwork!;
  const layers = parts.layers.map(
    (l): LayerSpec => ({
      type: 'custom',
      name: l.name,
      named: true,
      range: net.range,
      typeRange: net.range,
      module: net.module,
      moduleRange: net.moduleRange,
      python: { className: l.className, classRange: net.classRange, args: {} },
    }),
  );
  return { ...spec, layers };
}

/** How far apart two gradients may be and still agree: the gradient check's own test. */
function agree(a: number, b: number, spec: NetworkSpec): boolean {
  return Math.abs(a - b) <= spec.check.atol + spec.check.rtol * Math.abs(b);
}

/**
 * The class's own gradient(x, t) against backprop through its layers (the engine's, after a run):
 * a warning on the network line for each parameter where they disagree, naming its worst element.
 */
export function gradientProblems(spec: NetworkSpec, parts: PythonNetworkParts, network: Sequential, x: Tensor, t: Tensor): Problem[] {
  const net = spec.pythonNetwork;
  if (!net || !parts.gradient) return [];
  const problems: Problem[] = [];
  const warn = (message: string) => problems.push({ message, range: net.range, severity: 'warning' });
  let own: Map<string, Tensor>;
  try {
    own = parts.gradient(x, t);
  } catch (e) {
    warn(e instanceof Error ? e.message : String(e));
    return problems;
  }
  for (const [name, value] of own) {
    const owner = parts.owners[name];
    const layer = owner && network.layers.find((l) => l.name === owner[0]);
    const param = layer?.params.find((p) => p.name === owner[1]);
    if (!param?.grad) {
      warn(`${net.className}.gradient(x, t) gives ${name}, which is no layer's parameter (net.params['${name}'] must be the array a layer holds)`);
      continue;
    }
    const want = param.grad;
    if (value.data.length !== want.data.length) {
      warn(`${net.className}.gradient(x, t) gives ${name} of shape [${value.shape.join(', ')}]; ${owner[0]}.${owner[1]} has shape [${want.shape.join(', ')}]`);
      continue;
    }
    let worst = -1;
    let bad = 0;
    for (let i = 0; i < want.data.length; i++) {
      if (agree(value.data[i], want.data[i], spec)) continue;
      bad++;
      if (worst < 0 || Math.abs(value.data[i] - want.data[i]) > Math.abs(value.data[worst] - want.data[worst])) worst = i;
    }
    if (bad > 0) {
      warn(`${net.className}.gradient(x, t) disagrees with backprop through its layers at ${bad} of ${want.data.length} elements of ${name}; the worst, element ${worst}, is ${value.data[worst]} against ${want.data[worst]} (check the order of its backward)`);
    }
  }
  return problems;
}
