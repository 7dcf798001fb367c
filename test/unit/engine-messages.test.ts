// The engine's messages on real runs: each finding's English text is its message rendered in
// English, its Korean keeps the layer's name and the figures, and every id of the catalogue is used.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { render } from '../../src/catalogues';
import { DEFAULT_CHECK } from '../../src/engine/check-options';
import { gradientHealth, type Finding } from '../../src/engine/health';
import { DEFAULT_THRESHOLDS, type HealthThresholds } from '../../src/engine/health-thresholds';
import type { Layer, LossLayer } from '../../src/engine/layer';
import { Affine } from '../../src/engine/layers/affine';
import { CustomLayer, CustomLayerError } from '../../src/engine/layers/custom';
import { Relu } from '../../src/engine/layers/relu';
import { Sigmoid } from '../../src/engine/layers/sigmoid';
import { SoftmaxWithLoss } from '../../src/engine/layers/softmax-with-loss';
import { ENGINE_MESSAGES } from '../../src/engine/messages';
import { Sequential } from '../../src/engine/network';
import { runNetwork, type RunEvent } from '../../src/engine/run';
import { fromNested, type Tensor } from '../../src/engine/tensor';
import { sourcesOf, unwritten } from './catalogue-use';

const root = join(__dirname, '..', '..', '..');

function run(layers: Layer[], x: Tensor, loss: LossLayer | null = null, t: Tensor | null = null, check = false): RunEvent[] {
  return [...runNetwork(new Sequential(layers, loss), x, t, { train: true, check: check ? DEFAULT_CHECK : null })];
}
const affine = (name: string, W: number[][], b: number[] = W[0].map(() => 0)) => new Affine(name, fromNested(W), fromNested(b));
const health = (events: RunEvent[], changes: Partial<HealthThresholds> = {}) => gradientHealth(events, { ...DEFAULT_THRESHOLDS, ...changes });

/** The figures of an English text: 30, 100%, -1, 2.5e-3, 1,024. */
const figures = (text: string) => [...text.matchAll(/-?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?%?/g)].map((m) => m[0]);

/** A layer whose backward is wrong by a factor of 2: the gradient check fails on it. */
class Doubled extends Relu {
  override backward(dout: Tensor): Tensor {
    const dx = super.backward(dout);
    return { shape: dx.shape, data: dx.data.map((v) => 2 * v) };
  }
}

/** Findings of each kind, from real runs, with the layer each names. */
function findings(): { finding: Finding; layer: string }[] {
  const x = fromNested([[1, 2], [3, 1], [2, 2]]);
  const out: { finding: Finding; layer: string }[] = [];
  const add = (list: Finding[], layer: string) => {
    assert.ok(list.some((f) => f.args.layer === layer), `no finding on ${layer}`);
    for (const finding of list) out.push({ finding, layer: finding.args.layer ?? finding.args.loss });
  };
  // A dead ReLU, held below 0 by one bias; and by several.
  add(health(run([affine('Affine1', [[1, 1, 1, 1]], [-10, -10, 0, 0]), new Relu('Relu1')], fromNested([[1], [2], [3]])), { deadFraction: 0.49 }), 'Relu1');
  add(health(run([affine('Affine1', [[1, 1, 1, 1]], [-10, -5, 0, 0]), new Relu('Relu1')], fromNested([[1], [2], [3]])), { deadFraction: 0.49 }), 'Relu1');
  // An exploding dW, blamed on a wide init; and a vanishing one.
  add(health(run([affine('Wide1', [[30, 0], [0, 30]]), new Relu('R'), affine('Tame2', [[1, 2], [3, 1]])], x), { explodingNorm: 0 }).filter((f) => f.index === 2), 'Tame2');
  add(health(run([affine('Affine1', [[1], [1]])], fromNested([[3, 4]])), { vanishingNorm: 5.5 }), 'Affine1');
  // Saturated sigmoids.
  add(health(run([affine('Affine1', [[40, -40]]), new Sigmoid('Sigmoid1')], fromNested([[1], [2], [3]])), { saturatedFraction: 0.49 }).filter((f) => f.kind === 'saturated'), 'Sigmoid1');
  // NaN in the input, Infinity in an activation.
  add(health(run([affine('Affine1', [[1], [1]])], fromNested([[NaN, 1]]))), 'Affine1');
  add(health(run([new Relu('Relu1'), affine('Affine2', [[1e300]])], fromNested([[1e308], [1e308]]))), 'Affine2');
  // A failing gradient check.
  const failed = health(run([affine('Affine1', [[1, -2], [0.5, 1]]), new Doubled('Relu1'), affine('Affine2', [[1, 2], [3, 4]])], x, new SoftmaxWithLoss('Loss'), fromNested([0, 1, 1]), true));
  add(failed.filter((f) => f.kind === 'check-failed'), 'Affine1');
  return out;
}

test('each finding of a real run is its message rendered in English; in Korean it keeps the layer and the figures', () => {
  const all = findings();
  const kinds = new Set(all.map((f) => f.finding.kind));
  for (const kind of ['dead-relu', 'exploding', 'vanishing', 'saturated', 'nan', 'check-failed']) assert.ok(kinds.has(kind as Finding['kind']), `no ${kind} finding`);
  for (const { finding, layer } of all) {
    assert.ok(finding.id in ENGINE_MESSAGES, finding.id);
    assert.equal(render(finding, 'en'), finding.message);
    const ko = render(finding, 'ko');
    assert.notEqual(ko, finding.message);
    assert.match(ko, /[\uac00-\ud7a3]/, ko);
    assert.ok(finding.message.includes(layer), `${finding.message} names ${layer}`);
    assert.ok(ko.includes(layer), `${ko} names ${layer}`);
    for (const figure of figures(finding.message.replace(/\b[A-Za-z]+\d+\b/g, ''))) assert.ok(ko.includes(figure), `${ko} lacks ${figure} of ${finding.message}`);
    // Findings cross to the host as structured clones and JSON: id and args go with them.
    assert.deepEqual(JSON.parse(JSON.stringify(finding)).args, finding.args);
  }
});

test('the English texts of findings are as before', () => {
  const dead = health(run([affine('Affine1', [[1, 1, 1, 1]], [-10, -10, 0, 0]), new Relu('Relu1')], fromNested([[1], [2], [3]])), { deadFraction: 0.49 });
  assert.deepEqual(
    dead.map((f) => [f.id, f.message]),
    [['engine.deadRelu.units.bias', "Relu1: 2 of 4 units (50%) are dead for the whole batch; Affine1's bias -10 holds them below 0: without it, 2 of the 2 would fire"]],
  );
  assert.equal(render(dead[0], 'ko'), 'Relu1: 유닛 4개 중 2개(50%)가 미니배치 전체에서 죽어 있습니다. Affine1의 편향 -10 때문에 입력이 0 아래에 머뭅니다. 이 편향이 없으면 죽은 유닛 2개 중 2개가 활성화됩니다');
  const [exploding] = health(run([affine('Affine1', [[1], [1]])], fromNested([[3, 4]])), { explodingNorm: 4.9 });
  assert.deepEqual(exploding, {
    index: 0,
    kind: 'exploding',
    id: 'engine.exploding',
    args: { layer: 'Affine1', grad: 'dW', norm: '5', limit: '4.9' },
    message: 'Affine1: dW has L2 norm 5, above 4.9: the gradient is exploding',
  });
  assert.equal(render(exploding, 'ko'), 'Affine1: dW의 L2 노름(5)이 4.9보다 큽니다. 기울기가 폭주하고 있습니다');
});

test("a custom layer's error is an engine message, the user's exception text verbatim in it", () => {
  const thrower = { forward: () => { throw new Error('index 7 out of range'); }, backward: (d: Tensor) => d };
  const layer = new CustomLayer('Bad1', 1, thrower, {});
  const error = (() => {
    try {
      layer.forward(fromNested([[1]]));
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(error instanceof CustomLayerError);
  assert.equal(error.message, 'Bad1.forward threw: index 7 out of range');
  assert.deepEqual({ id: error.id, args: error.args }, { id: 'engine.custom.threw', args: { layer: 'Bad1', method: 'forward', reason: 'index 7 out of range' } });
  assert.equal(render(error, 'en'), error.message);
  assert.equal(render(error, 'ko'), 'Bad1.forward에서 예외가 발생했습니다: index 7 out of range');

  const notTensor = { forward: () => 5, backward: (d: Tensor) => d };
  assert.throws(() => new CustomLayer('Five1', 0, notTensor, {}).forward(fromNested([[1]])), (e: CustomLayerError) => {
    assert.equal(e.message, 'Five1.forward returned a number (5), not a tensor { shape, data }');
    assert.equal(e.id, 'engine.custom.forward.notTensor');
    assert.equal(render(e, 'en'), e.message);
    return true;
  });

  const warnings: string[] = [];
  const writer = { forward: (x: Tensor) => { x.data[0] = 9; return { shape: x.shape, data: x.data.slice() }; }, backward: (d: Tensor) => d };
  new CustomLayer('Writer1', 0, writer, {}, undefined, undefined, Infinity, { onWarning: (message, text) => warnings.push(message, render(text, 'en'), render(text, 'ko')) }).forward(fromNested([[1, 2]]));
  assert.deepEqual(warnings, [
    'Writer1.forward changed its input x at 1 element; return a new tensor',
    'Writer1.forward changed its input x at 1 element; return a new tensor',
    'Writer1.forward가 입력 x의 원소 1개를 바꿨습니다. 새 텐서를 반환하세요',
  ]);
});

test('every id of ENGINE_MESSAGES is used in src/engine, src/worker or src/call-clock.ts', () => {
  const sources = sourcesOf(['src/engine', 'src/worker', 'src/call-clock.ts'].map((p) => join(root, p)));
  // Ids are written out, or made of a written prefix and suffixes: `engine.custom.${place.at}.${value.fault}`.
  const dynamic: Record<string, RegExp> = {
    'engine.nan.': /`engine\.nan\.\$\{place\}\$\{both \? '\.both' : ''\}`/,
    'engine.check.failed': /`engine\.check\.failed(\.worst)?\$\{kink\}`/,
    'engine.custom.param.': /`engine\.custom\.\$\{place\.at\}\.\$\{value\.fault\}`/,
    'engine.custom.grad.': /`engine\.custom\.\$\{place\.at\}\.\$\{value\.fault\}`/,
    'engine.custom.forward.': /`engine\.custom\.\$\{place\.at\}\.\$\{value\.fault\}`/,
    'engine.custom.backward.': /`engine\.custom\.\$\{place\.at\}\.\$\{value\.fault\}`/,
    'engine.custom.changed': /`engine\.\$\{this\.options\.python \? 'python' : 'custom'\}\.changed\$\{what\.kind\}\.\$\{changed === 1 \? 'one' : 'many'\}`/,
    'engine.python.changed': /`engine\.\$\{this\.options\.python \? 'python' : 'custom'\}\.changed\$\{what\.kind\}\.\$\{changed === 1 \? 'one' : 'many'\}`/,
  };
  const unused = unwritten(Object.keys(ENGINE_MESSAGES), sources).filter((id) => {
    const prefix = Object.keys(dynamic).find((p) => id.startsWith(p));
    return prefix === undefined || !dynamic[prefix].test(sources);
  });
  assert.deepEqual(unused, []);
});
