// A whole Python network (`network: { module, class, args }`) as the spec's layers: the class is
// constructed once, its `layers` (an OrderedDict, in order) become custom layers named by their keys
// and its `lastLayer` the loss, so the engine runs forward and backward layer by layer itself and
// every layer streams as a built-in's would. A class with its own gradient(x, t) is compared with
// backprop through its layers, where a learner's bug (layers reversed wrongly, a lost dout) shows.
import type { Sequential } from '../engine/network';
import type { Tensor } from '../engine/tensor';
import type { LayerSpec, NetworkSpec, Problem } from './model';
import type { UserLoss } from '../engine/layers/custom-loss';
import { problemOf, specWarning, thrownPhrase, type PhraseArgs, type SpecMessageId } from './problem';

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
  const warn = (id: SpecMessageId, args: PhraseArgs) => problems.push(specWarning(net.range, id, args));
  let own: Map<string, Tensor>;
  try {
    own = parts.gradient(x, t);
  } catch (e) {
    problems.push(problemOf(thrownPhrase(e, 'spec.pythonError'), net.range, 'warning'));
    return problems;
  }
  for (const [name, value] of own) {
    const owner = parts.owners[name];
    const layer = owner && network.layers.find((l) => l.name === owner[0]);
    const param = layer?.params.find((p) => p.name === owner[1]);
    if (!param?.grad) {
      warn('spec.gradientNotParam', { className: net.className, name });
      continue;
    }
    const want = param.grad;
    if (value.data.length !== want.data.length) {
      warn('spec.gradientShape', { className: net.className, name, shape: `[${value.shape.join(', ')}]`, layer: owner[0], param: owner[1], expected: `[${want.shape.join(', ')}]` });
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
      const args = { className: net.className, bad: String(bad), count: String(want.data.length), name, worst: String(worst), value: String(value.data[worst]), want: String(want.data[worst]) };
      warn('spec.gradientDisagrees', args);
    }
  }
  return problems;
}
