// A graph spec's baseline: the .npz a saving run job of the shop posts holds each node's `value` and
// `grad` as `node/value`, `node/grad`; baselineWire keeps them all (a network's layers keep only what
// the panel shows), named as the webview names the graph event's nodes, so the run matches them one
// for one; the shop with the apple at 110 against 100 differs by float64's current − baseline, and
// the unchanged shop by exactly 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffTensor, matchRuns } from '../../src/engine/run-diff';
import { tensor, type Tensor } from '../../src/engine/tensor';
import { baselineWire } from '../../src/worker/baseline-wire';
import { savedRun } from './saved-run';
import type { GraphNodeInfo, WireTensor } from '../../src/protocol';

const SHOP = 'buy_apple_orange.backprop.yaml';

/** The .npz arrays and the graph event's nodes of a saving run job of the shop with an apple at `apple`. */
async function shopRun(apple: number): Promise<{ arrays: Map<string, Tensor>; nodes: GraphNodeInfo[] }> {
  const { arrays, events } = await savedRun(SHOP, (t) => t.replace('apple: 100,', `apple: ${apple},`));
  const graph = events.flatMap((e) => (e.kind === 'graph' ? [e] : []));
  assert.equal(graph.length, 1);
  return { arrays, nodes: graph[0].nodes };
}

/** The graph event's nodes by the names the webview compares them under. */
function nodeTensors(nodes: readonly GraphNodeInfo[]): Map<string, Tensor> {
  return new Map(nodes.flatMap((n) => [[`${n.name}/value`, tensor([], Float64Array.of(n.value))] as const, [`${n.name}/grad`, tensor([], Float64Array.of(n.grad))] as const]));
}

const wireTensor = (t: WireTensor): Tensor => tensor(t.shape, new Float64Array(t.buffer));

test("a graph's baseline keeps every node's value and grad, whole, named as the run's nodes", async () => {
  const { arrays, nodes } = await shopRun(100);
  assert.equal(arrays.size, 18);
  const baseline = baselineWire(arrays, 'shop');
  assert.deepEqual(
    baseline.tensors.map((t) => t.name),
    [...arrays.keys()],
  );
  assert.deepEqual(new Set(baseline.tensors.map((t) => t.name)), new Set(nodeTensors(nodes).keys()));
  for (const t of baseline.tensors) {
    assert.deepEqual(t.tensor.shape, []);
    assert.equal(new Float64Array(t.tensor.buffer).length, 1, t.name);
  }
});

test('the shop with the apple at 110 against its baseline at 100: Δ = current − baseline per node; unchanged: every Δ exactly 0', async () => {
  const before = await shopRun(100);
  const after = await shopRun(110);
  const baseline = new Map(baselineWire(before.arrays, 'shop').tensors.map((t) => [t.name, wireTensor(t.tensor)]));
  const { pairs, incomparable } = matchRuns(baseline, nodeTensors(after.nodes));
  assert.deepEqual(incomparable, []);
  assert.equal(pairs.length, 18);
  const delta = new Map(pairs.map((p) => [p.name, diffTensor(p.name, p.baseline, p.current).delta.data[0]]));
  const moved = [...delta].filter(([, d]) => d !== 0).map(([n]) => n);
  assert.deepEqual(moved.sort(), ['all_price/value', 'apple/value', 'apple_num/grad', 'apple_price/value', 'price/value', 'tax/grad']);
  assert.equal(delta.get('apple/value'), 10);
  assert.equal(delta.get('apple_price/value'), 20);
  assert.equal(delta.get('all_price/value'), 20);
  assert.equal(delta.get('tax/grad'), 20);
  assert.equal(delta.get('price/value'), 670 * 1.1 - 650 * 1.1);
  assert.equal(delta.get('apple_num/grad'), 110 * 1.1 - 100 * 1.1);

  const same = await shopRun(100);
  const unchanged = matchRuns(baseline, nodeTensors(same.nodes));
  assert.equal(unchanged.pairs.length, 18);
  for (const p of unchanged.pairs) assert.equal(diffTensor(p.name, p.baseline, p.current).maxAbs, 0, p.name);
});
