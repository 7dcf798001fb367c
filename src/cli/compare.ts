// `backprop train` of a spec with a `compare:` section: each variant trains in turn (same seed, same
// minibatches), then one table gives each variant's final loss and accuracy. With --json, one line
// per evaluation (with its variant) and a summary line with every variant's loss curve.
import { createOptimizer } from '../engine/optimizers';
import type { Sequential } from '../engine/network';
import { train, type TrainData } from '../engine/train';
import { escapeControls, fmt, fmtCount } from '../format';
import type { CompareSpec, NetworkSpec } from '../spec';
import { render } from '../catalogues';
import type { Language } from '../message';
import type { CLI_MESSAGES } from './messages';
import { fmtAccuracy, table } from './table';

/** Steps the "mean loss" column averages over: the last minibatch alone is noisy. */
const MEAN_OF_LAST = 100;

/** How one variant ended. */
interface VariantResult {
  label: string;
  /** Updates done. */
  iterations: number;
  /** Loss of the last minibatch. */
  loss: number;
  /** Mean loss of the last MEAN_OF_LAST steps. */
  meanLoss: number;
  trainAcc: number | null;
  testAcc: number | null;
  reason: 'finished' | 'nonFinite';
  seconds: number;
  /** The minibatch loss of every step. */
  losses: number[];
}

/** Trains every variant of `compare` and prints the table (or JSON lines); 1 when a variant hit a NaN/Inf, else 0. */
export function runComparison(spec: NetworkSpec, compare: CompareSpec, sets: TrainData, variantNetwork: (i: number) => Sequential, json: boolean, language: Language = 'en'): number {
  const say = (id: keyof typeof CLI_MESSAGES, args: Record<string, string> = {}) => render({ id, args }, language);
  const { iterations, batch } = compare.variants[0].train;
  if (!json) {
    const args = { name: escapeControls(spec.name), key: compare.key, variants: String(compare.variants.length), iterations: fmtCount(iterations), batch: fmtCount(batch), train: fmtCount(sets.xTrain.shape[0]) };
    console.log(`${sets.xTest ? say('cli.compareHeader', { ...args, test: fmtCount(sets.xTest.shape[0]) }) : say('cli.compareHeaderNoTest', args)}\n`);
  }
  const results: VariantResult[] = compare.variants.map((variant, i) => {
    const started = performance.now();
    const { seed, optimizer, evalEvery } = variant.train;
    const losses: number[] = [];
    const result: VariantResult = { label: variant.label, iterations: 0, loss: NaN, meanLoss: NaN, trainAcc: null, testAcc: null, reason: 'finished', seconds: 0, losses };
    for (const e of train(variantNetwork(i), sets, { iterations, batch, seed, optimizer: createOptimizer(optimizer), evalEvery })) {
      if (e.kind === 'step') losses.push(e.loss);
      else if (e.kind === 'eval' && json) console.log(JSON.stringify({ ...e, variant: variant.label }));
      else if (e.kind === 'nonFinite' && json) console.log(JSON.stringify({ kind: 'nonFinite', variant: variant.label, iteration: e.iteration, at: e.at }));
      else if (e.kind === 'nonFinite') console.log(say('cli.compareNonFinite', { variant: escapeControls(variant.label), iteration: fmtCount(e.iteration), value: e.at.value, layer: escapeControls(e.at.layer), tensor: e.at.tensor }));
      else if (e.kind === 'done') Object.assign(result, { iterations: e.iterations, loss: e.loss, trainAcc: e.trainAcc, testAcc: e.testAcc, reason: e.reason });
    }
    const tail = losses.slice(-MEAN_OF_LAST);
    result.meanLoss = tail.reduce((a, b) => a + b, 0) / tail.length;
    result.seconds = (performance.now() - started) / 1000;
    if (!json) console.log(say('cli.compareVariantDone', { variant: escapeControls(variant.label), steps: fmtCount(result.iterations), seconds: result.seconds.toFixed(1) }));
    return result;
  });
  if (json) {
    console.log(JSON.stringify({ kind: 'compare', key: compare.key, iterations, batch, variants: results }));
  } else {
    const rows = results.map((v) => [
      escapeControls(v.label),
      fmtCount(v.iterations),
      fmt(v.loss),
      fmt(v.meanLoss),
      fmtAccuracy(v.trainAcc),
      fmtAccuracy(v.testAcc),
      v.reason === 'nonFinite' ? 'NaN/Inf' : say('cli.seconds', { seconds: v.seconds.toFixed(1) }),
    ]);
    console.log(`\n${table([say('cli.colVariant'), say('cli.colSteps'), say('cli.colFinalLoss'), say('cli.colMeanLoss', { count: String(MEAN_OF_LAST) }), say('cli.colTrainAcc'), say('cli.colTestAcc'), say('cli.colTime')], rows)}`);
  }
  return results.some((v) => v.reason === 'nonFinite') ? 1 : 0;
}
