// Gradient-health findings of one run: what a person debugging gradients looks for first.
import { fmtCount as count } from '../format';
import type { Message } from '../message';
import type { HealthThresholds } from './health-thresholds';
import type { LayerType, ParamName } from './layer';
import { engineMessage, engineMessageOf, type EngineArgs, type EngineMessageId, type EngineText } from './messages';
import type { RunEvent } from './run';
import { maskStats, tensorStats } from './stats';
import type { Tensor } from './tensor';

/** What kind of trouble a finding reports. */
export type FindingKind = 'nan' | 'exploding' | 'vanishing' | 'dead-relu' | 'saturated' | 'check-failed';

/** A known fix: the init of layer `layer` (an affine or convolution) changes. */
export interface FindingFix {
  /** He init (ReLU stacks), Xavier init (sigmoid/tanh) or a smaller normal std. */
  kind: 'he-init' | 'xavier-init' | 'smaller-std';
  /** Index of the layer whose init changes. */
  layer: number;
}

/** One finding, tied to the layer where it shows: a message of ENGINE_MESSAGES (`id`, `args`) and its English text. */
export interface Finding extends Message {
  /** Index of the layer the finding is about. */
  index: number;
  /** What kind of trouble. */
  kind: FindingKind;
  /** One sentence for the Problems list and hovers, in English, e.g. "Relu1: 100% of units are dead for the whole batch". */
  message: string;
  /** A known fix, when there is one. */
  fix?: FindingFix;
  /** Other layers whose init adds to the same trouble, less than `fix`'s layer does; Fix all changes them too. */
  alsoFix?: FindingFix[];
}

/**
 * Fewest batch rows on which a ReLU unit can be called dead: a healthy unit is negative on a row
 * about half the time, so on 2 rows one unit in 4 is "dead" by chance; on 3, one in 8.
 */
const MIN_DEAD_ROWS = 3;

/** Order of findings on one layer: the root cause (non-finite values) first. */
const KIND_ORDER: readonly FindingKind[] = ['nan', 'exploding', 'vanishing', 'dead-relu', 'saturated', 'check-failed'];

/** The parameter whose gradient stands for a layer's health: W of affine and convolution, gamma of batchnorm. */
const JUDGED_PARAM: Partial<Record<LayerType, ParamName>> = { affine: 'W', convolution: 'W', batchnorm: 'gamma' };

/**
 * Findings of one run's events (forward, loss, backward, check; others are ignored), ordered by
 * layer index. Rules:
 * - nan: only where NaN or ±Infinity first shows in data-flow order (the first layer's input, then
 *   each layer's params and activation, the loss, then backward from the last layer: dx, then the
 *   param grads), since from there it spreads everywhere.
 * - exploding / vanishing: the L2 norm of dW (affine) or dgamma (batchnorm) against the limits.
 *   Gradients holding non-finite values are left to the nan finding. A gradient that is exactly
 *   zero everywhere in a run with a dead ReLU is not called vanishing: the dead units explain it
 *   (nothing flows back through them, and a layer they feed sees zero input).
 * - dead-relu: relu layers only (leaky-relu cannot die), on batches of at least MIN_DEAD_ROWS rows;
 *   on [N, C, H, W] (after a convolution) a filter is dead when its whole channel is, on every row.
 * - saturated: sigmoid and tanh outputs whose local gradient is below saturationEpsilon.
 * - check-failed: each gradient-check event that did not pass (a parameter or a layer's dx), with
 *   its worst failing element; non-differentiable points are not failures.
 */
export function gradientHealth(events: readonly RunEvent[], thresholds: HealthThresholds): Finding[] {
  const types: LayerType[] = [];
  for (const e of events) if (e.kind === 'forward' || e.kind === 'backward') types[e.index] = e.type;

  const findings: Finding[] = [];
  const nan = firstNonFinite(events, types.length - 1);
  if (nan) findings.push(nan);

  for (const e of events) {
    if (e.kind !== 'forward') continue;
    const mask = e.kept.mask;
    if (e.type === 'relu' && mask && mask.shape.length >= 2 && mask.shape[0] >= MIN_DEAD_ROWS) {
      const m = maskStats(mask);
      const filters = m.unit === 'filter';
      if (m.deadFraction > thresholds.deadFraction) {
        const units = filters ? mask.shape[1] : mask.data.length / mask.shape[0];
        const affine = precedingAffine(types, e.index);
        const cause = affine === e.index - 1 && !filters ? deadByBias(events, affine, e.input, mask) : null;
        const dead = { layer: e.name, dead: count(m.deadUnits), total: count(units), percent: percent(m.deadFraction) };
        const text = cause
          ? said(cause.one ? 'engine.deadRelu.units.bias' : 'engine.deadRelu.units.biases', { ...dead, ...cause.args })
          : said(filters ? 'engine.deadRelu.filters' : 'engine.deadRelu.units', dead);
        findings.push({
          index: e.index,
          kind: 'dead-relu',
          ...text,
          ...(affine !== undefined && { fix: { kind: 'he-init', layer: affine } }),
        });
      }
    }
    const out = e.kept.out;
    if ((e.type === 'sigmoid' || e.type === 'tanh') && out) {
      const saturated = saturatedCount(out, e.type, thresholds.saturationEpsilon);
      const fraction = out.data.length === 0 ? 0 : saturated / out.data.length;
      if (fraction > thresholds.saturatedFraction) {
        const slope = e.type === 'sigmoid' ? 'out·(1 − out)' : '1 − out²';
        const affine = precedingAffine(types, e.index);
        findings.push({
          index: e.index,
          kind: 'saturated',
          ...said('engine.saturated', { layer: e.name, saturated: count(saturated), total: count(out.data.length), percent: percent(fraction), slope, epsilon: figure(thresholds.saturationEpsilon) }),
          ...(affine !== undefined && { fix: { kind: 'xavier-init', layer: affine } }),
        });
      }
    }
  }
  const anyDead = findings.some((f) => f.kind === 'dead-relu');
  // A BatchNorm that gets the same dout on every row passes back exactly 0, and its dgamma = Σ dout·x̂
  // is 0 too, since each column of x̂ sums to 0: its outputs sum to β whatever its input. Gradients
  // from it down vanish for that reason, which no init fixes. The one nearest the output decides.
  let flatNorm: { index: number; name: string } | null = null;
  for (const e of events) {
    if (e.kind === 'backward' && e.type === 'batchnorm' && e.index > (flatNorm?.index ?? -1) && sameOnEveryRow(e.dout)) flatNorm = { index: e.index, name: e.name };
  }

  const gains = affineGains(events);
  for (const e of events) {
    if (e.kind === 'backward') {
      const judged = JUDGED_PARAM[e.type];
      const grad = e.grads.find((g) => g.name === judged);
      if (!grad) continue;
      const s = tensorStats(grad.grad);
      if (s.nan + s.posInf + s.negInf > 0) continue;
      const what = { layer: e.name, grad: `d${grad.name}`, norm: figure(s.l2) };
      if (s.l2 > thresholds.explodingNorm) {
        const causes = culprits(gains, types, e.index, 'exploding');
        const over = { ...what, limit: figure(thresholds.explodingNorm) };
        const text = causes[0] ? said('engine.exploding.init', { ...over, ...because(causes[0]) }) : said('engine.exploding', over);
        findings.push({ index: e.index, kind: 'exploding', ...text, ...fixesFor(causes, types) });
      } else if (s.l2 < thresholds.vanishingNorm && flatNorm && e.index <= flatNorm.index) {
        findings.push({ index: e.index, kind: 'vanishing', ...said('engine.vanishing.batchnorm', { ...what, limit: figure(thresholds.vanishingNorm), batchnorm: flatNorm.name }) });
      } else if (s.l2 < thresholds.vanishingNorm && !(s.l2 === 0 && anyDead)) {
        const causes = culprits(gains, types, e.index, 'vanishing');
        const under = { ...what, limit: figure(thresholds.vanishingNorm) };
        const text = causes[0] ? said('engine.vanishing.init', { ...under, ...because(causes[0]) }) : said('engine.vanishing', under);
        findings.push({ index: e.index, kind: 'vanishing', ...text, ...fixesFor(causes, types) });
      }
    } else if (e.kind === 'check' && !e.result.ok) {
      const r = e.result;
      const elements = r.analytic.data.length;
      // Failures rank first among the worst, so the first one failed.
      const w = r.worst[0];
      const failed = { layer: e.name, param: e.param, failures: count(r.failures), total: count(elements), error: figure(r.maxRelError) };
      const worst = w && { index: w.index.join(', '), analytic: figure(w.analytic), numerical: figure(w.numerical) };
      const kinks = count(r.nonDifferentiable);
      const kink = r.nonDifferentiable === 0 ? '' : r.nonDifferentiable === 1 ? '.kink' : '.kinks';
      findings.push({
        index: e.index,
        kind: 'check-failed',
        ...(worst
          ? said(`engine.check.failed.worst${kink}`, { ...failed, ...worst, kinks })
          : said(`engine.check.failed${kink}`, { ...failed, kinks })),
      });
    }
  }
  return findings.sort((a, b) => a.index - b.index || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}

/** The nan finding for the first tensor, in data-flow order, holding NaN or ±Infinity. */
function firstNonFinite(events: readonly RunEvent[], lastLayer: number): Finding | undefined {
  const forward = events.flatMap((e) => (e.kind === 'forward' ? [e] : [])).sort((a, b) => a.index - b.index);
  const backward = events.flatMap((e) => (e.kind === 'backward' ? [e] : [])).sort((a, b) => b.index - a.index);
  const loss = events.find((e) => e.kind === 'loss');

  /** Where a tensor is, as a message of the nan finding: the layer's input, one of its tensors, its activation, or the loss's prediction. */
  type Where = { in: 'input' | 'activation'; layer: string } | { in: 'tensor'; layer: string; tensor: string } | { in: 'prediction'; loss: string };
  const at = (index: number, where: Where, t: Tensor): Finding | undefined => {
    const s = tensorStats(t);
    const bad = s.nan + s.posInf + s.negInf;
    if (bad === 0) return undefined;
    const { in: place, ...names } = where;
    const both = s.nan > 0 && s.posInf + s.negInf > 0;
    const args = { ...names, value: s.nan > 0 ? 'NaN' : 'Infinity', bad: count(bad), total: count(s.count) };
    // Each of the ids has the placeholders of its `where`, and value, bad and total.
    return { index, kind: 'nan', ...plain(engineMessageOf(`engine.nan.${place}${both ? '.both' : ''}`, args)) };
  };
  for (const e of forward) {
    const found =
      (e.index === 0 ? at(0, { in: 'input', layer: e.name }, e.input) : undefined) ??
      e.params.reduce<Finding | undefined>((f, p) => f ?? at(e.index, { in: 'tensor', layer: e.name, tensor: p.name }, p.value), undefined) ??
      at(e.index, { in: 'activation', layer: e.name }, e.output);
    if (found) return found;
  }
  if (loss) {
    // The loss is not a layer; its finding sits on the last layer, whose scores it reads.
    const found = at(lastLayer, { in: 'prediction', loss: loss.name }, loss.y);
    if (found) return found;
    if (!Number.isFinite(loss.value)) return { index: lastLayer, kind: 'nan', ...said('engine.nan.loss', { value: String(loss.value), loss: loss.name }) };
  }
  for (const e of backward) {
    const found =
      at(e.index, { in: 'tensor', layer: e.name, tensor: 'dx' }, e.dx) ??
      e.grads.reduce<Finding | undefined>((f, g) => f ?? at(e.index, { in: 'tensor', layer: e.name, tensor: `d${g.name}` }, g.grad), undefined);
    if (found) return found;
  }
  return undefined;
}

/**
 * A finding's message: `id` with `args` (numbers already formatted) and its English text. The id is
 * checked against ENGINE_MESSAGES; so are the args, where the id is written out.
 */
function said<K extends EngineMessageId>(id: K, args: EngineArgs<K>): Message & { message: string } {
  return plain(engineMessage(id, args));
}

/** The fields of a finding's message alone, as plain data (findings cross to the host as structured clones and JSON). */
function plain({ id, args, message }: EngineText): Message & { message: string } {
  return { id, args, message };
}

/** How many outputs sit where the activation's slope is below `epsilon`. */
function saturatedCount(out: Tensor, type: 'sigmoid' | 'tanh', epsilon: number): number {
  let n = 0;
  for (const v of out.data) {
    const slope = type === 'sigmoid' ? v * (1 - v) : 1 - v * v;
    if (slope < epsilon) n++;
  }
  return n;
}

/** How much an affine layer widens the spread of its input: std(W)·√fan-in (He init gives √2, Xavier 1). */
interface Gain {
  index: number;
  name: string;
  gain: number;
  std: number;
  fanIn: number;
}

/** Gains further than this from He's √2 (or Xavier's 1), up or down, make a layer's init a cause. */
const GAIN_HIGH = 2 * Math.SQRT2;
const GAIN_LOW = 0.5;

/** The gain of every affine and convolution layer of the run, from the W its forward used (a convolution's fan-in is C·FH·FW). */
function affineGains(events: readonly RunEvent[]): Map<number, Gain> {
  const gains = new Map<number, Gain>();
  for (const e of events) {
    const W = e.kind === 'forward' && (e.type === 'affine' || e.type === 'convolution') ? e.params.find((p) => p.name === 'W')?.value : undefined;
    if (e.kind !== 'forward' || !W || W.shape.length !== (e.type === 'affine' ? 2 : 4)) continue;
    const s = tensorStats(W);
    if (s.std === null) continue;
    const fanIn = e.type === 'affine' ? W.shape[0] : W.shape[1] * W.shape[2] * W.shape[3];
    gains.set(e.index, { index: e.index, name: e.name, gain: s.std * Math.sqrt(fanIn), std: s.std, fanIn });
  }
  return gains;
}

/**
 * The affine layers whose init makes layer `index`'s dW explode (gain too large) or vanish (too
 * small), the worst first. dW = xᵀ·dout does not scale with the layer's own W: x is made by the layers
 * before it, dout by those after. So the others are searched, out to the nearest BatchNorm each way,
 * which renormalises what passes.
 */
function culprits(gains: ReadonlyMap<number, Gain>, types: readonly LayerType[], index: number, kind: 'exploding' | 'vanishing'): Gain[] {
  const found: Gain[] = [];
  const consider = (i: number) => {
    const g = gains.get(i);
    if (g && (kind === 'exploding' ? g.gain > GAIN_HIGH : g.gain < GAIN_LOW)) found.push(g);
  };
  // A BatchNorm's own dgamma = Σ dout·x̂ sees its input only normalised.
  if (types[index] !== 'batchnorm') for (let i = index - 1; i >= 0 && types[i] !== 'batchnorm'; i--) consider(i);
  for (let i = index + 1; i < types.length && types[i] !== 'batchnorm'; i++) consider(i);
  // Stable, so of equal gains the nearer one upstream leads.
  return found.sort((a, b) => (kind === 'exploding' ? b.gain - a.gain : a.gain - b.gain));
}

/**
 * The figures of the layer at fault, for "; Affine2's init widens the spread of its input 24× (W std
 * 3, fan-in 64)": a cause of an exploding gradient widens (gain above GAIN_HIGH), of a vanishing one
 * shrinks (below GAIN_LOW), so the message id says which.
 */
function because(cause: Gain): { cause: string; gain: string; std: string; fanIn: string } {
  return { cause: cause.name, gain: figure(cause.gain), std: figure(cause.std), fanIn: count(cause.fanIn) };
}

/** The init fixes of the layers at fault, the worst as `fix`: He or Xavier as its activation suits; logits get a smaller std when too wide, Xavier when too narrow. */
function fixesFor(causes: readonly Gain[], types: readonly LayerType[]): Pick<Finding, 'fix' | 'alsoFix'> {
  const [worst, ...others] = causes.map((cause): FindingFix => {
    const kind = initFor(types, cause.index);
    return { kind: kind === 'smaller-std' && cause.gain < 1 ? 'xavier-init' : kind, layer: cause.index };
  });
  if (!worst) return {};
  return others.length ? { fix: worst, alsoFix: others } : { fix: worst };
}

/**
 * The figures of "; Affine1's bias -1 holds them below 0: without it, 30 of the 30 would fire", when
 * negative biases of the affine at `affine` (which feeds the ReLU directly, so `input` = x·W + b)
 * are what keep most of the dead units masked, with whether they are one value (`one`); else null.
 */
function deadByBias(events: readonly RunEvent[], affine: number, input: Tensor, mask: Tensor): { one: boolean; args: { affine: string; bias: string; revived: string; masked: string } } | null {
  const forward = events.find((e): e is Extract<RunEvent, { kind: 'forward' }> => e.kind === 'forward' && e.index === affine);
  const b = forward?.params.find((p) => p.name === 'b')?.value;
  const rows = mask.shape[0];
  const units = mask.data.length / rows;
  if (!forward || !b || b.data.length !== units || input.data.length !== mask.data.length) return null;
  let dead = 0;
  let revived = 0;
  const biases: number[] = [];
  for (let j = 0; j < units; j++) {
    let alwaysMasked = true;
    let firesWithoutBias = false;
    for (let r = 0; r < rows; r++) {
      const k = r * units + j;
      if (mask.data[k] === 0) alwaysMasked = false;
      if (input.data[k] - b.data[j] > 0) firesWithoutBias = true;
    }
    if (!alwaysMasked) continue;
    dead++;
    if (b.data[j] < 0 && firesWithoutBias) {
      revived++;
      biases.push(b.data[j]);
    }
  }
  if (revived === 0 || 2 * revived < dead) return null;
  const low = Math.min(...biases);
  const one = biases.every((v) => v === biases[0]);
  return { one, args: { affine: forward.name, bias: figure(low), revived: count(revived), masked: count(dead) } };
}

/** Index of the affine or convolution feeding layer `index` (through dropout, which only scales), if any. */
function precedingAffine(types: readonly LayerType[], index: number): number | undefined {
  let i = index - 1;
  while (i >= 0 && types[i] === 'dropout') i--;
  return types[i] === 'affine' || types[i] === 'convolution' ? i : undefined;
}

/**
 * The init suited to the activation after affine `index`: He for ReLUs, Xavier for sigmoid/tanh,
 * else (logits, or another affine) a smaller normal std. Dropout and batchnorm are looked through.
 */
function initFor(types: readonly LayerType[], index: number): FindingFix['kind'] {
  let i = index + 1;
  while (types[i] === 'dropout' || types[i] === 'batchnorm') i++;
  const next = types[i];
  if (next === 'relu' || next === 'leaky-relu') return 'he-init';
  if (next === 'sigmoid' || next === 'tanh') return 'xavier-init';
  return 'smaller-std';
}

/** A fraction as a whole percentage, rounded down so that 100% means all. */
function percent(fraction: number): string {
  return `${Math.floor(fraction * 100 + 1e-9)}%`;
}

/** A figure in at most three significant digits: 0.52, 1000, 3.2e+5, 1e-7. */
function figure(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3)) return Number(v.toExponential(1)).toExponential();
  return String(Number(v.toPrecision(3)));
}

/** True when every row of `t` (along its first axis) holds the same values as the first. */
function sameOnEveryRow(t: Tensor): boolean {
  const width = t.data.length / Math.max(1, t.shape[0] ?? 1);
  for (let i = width; i < t.data.length; i++) if (t.data[i] !== t.data[i - width]) return false;
  return true;
}
