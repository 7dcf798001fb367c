// `backprop train` of a spec with a `compare:` section: each variant trains in turn (same seed, same
// minibatches), then one table gives each variant's final loss and accuracy. With --json, one line
// per evaluation (with its variant) and a summary line with every variant's loss curve. And
// `backprop run` of a comparison of inits: each layer's activation distribution in each variant.
import type { VariantDistribution } from '../engine/distributions';
import { createOptimizer } from '../engine/optimizers';
import type { Sequential } from '../engine/network';
import { train, type TrainData } from '../engine/train';
import { escapeControls, fmt, fmtCount } from '../format';
import type { CompareSpec, NetworkSpec, TrainSpec } from '../spec';
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
export function runComparison(spec: NetworkSpec & { train: TrainSpec }, compare: CompareSpec, sets: TrainData, variantNetwork: (i: number) => Sequential, json: boolean, language: Language = 'en'): number {
  const say = (id: keyof typeof CLI_MESSAGES, args: Record<string, string> = {}) => render({ id, args }, language);
  const { iterations, batch } = spec.train;
  if (!json) {
    const args = { name: escapeControls(spec.name), key: compare.key, variants: String(compare.variants.length), iterations: fmtCount(iterations), batch: fmtCount(batch), train: fmtCount(sets.xTrain.shape[0]) };
    console.log(`${sets.xTest ? say('cli.compareHeader', { ...args, test: fmtCount(sets.xTest.shape[0]) }) : say('cli.compareHeaderNoTest', args)}\n`);
  }
  const results: VariantResult[] = compare.variants.map((variant, i) => {
    const started = performance.now();
    const { seed, optimizer, evalEvery } = variant.train ?? spec.train;
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

/** Bars of a distribution in the terminal, from a count of none (a space) to its largest. */
const BARS = ' ▁▂▃▄▅▆▇█';
/** Bins a terminal bar spans: 30 bins as 15 characters keep three variants in 100 columns. */
const BINS_PER_CHAR = 2;

/** The counts of each character's bins. */
function perChar(counts: readonly number[]): number[] {
  return Array.from({ length: Math.ceil(counts.length / BINS_PER_CHAR) }, (_, k) => counts.slice(k * BINS_PER_CHAR, (k + 1) * BINS_PER_CHAR).reduce((a, c) => a + c, 0));
}

/** Counts as bars scaled to `top`; any count shows at least ▁. */
export function bars(counts: readonly number[], top: number): string {
  return counts.map((n) => (n === 0 ? BARS[0] : BARS[Math.max(1, Math.round((n / top) * (BARS.length - 1)))])).join('');
}

/** The lines of a comparison of inits: per layer, its range and its activation distribution in each variant, each on its own scale (the shape is what eight heights can show). */
export function variantLines(layers: readonly string[], key: string, variants: readonly VariantDistribution[], say: (id: keyof typeof CLI_MESSAGES, args?: Record<string, string>) => string): string[] {
  const rows = layers.map((name, i) => {
    const histograms = variants.map((v) => v.layers[i].activation);
    const { lo, hi } = histograms[0];
    return [escapeControls(name), `[${fmt(lo)}, ${fmt(hi)}]`, ...histograms.map((h) => perChar(h.counts)).map((c) => bars(c, Math.max(1, ...c)))];
  });
  const losses = variants.some((v) => v.loss !== null) ? [[say('cli.colLoss'), '', ...variants.map((v) => fmt(v.loss))]] : [];
  return [say('cli.variantsHeader', { key, variants: fmtCount(variants.length) }), table([say('cli.colLayer'), say('cli.colRange'), ...variants.map((v) => escapeControls(v.label))], [...rows, ...losses])];
}
