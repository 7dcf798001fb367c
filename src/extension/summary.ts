// One layer's last-run figures as text, shared by hovers and CodeLens so both say the same thing.
// Its words come from the caller (editor.ts, in vscode.l10n.t's display language), so this stays pure.
import { fmt, fmtCount, fmtPercent, fmtShape } from '../format';
import type { Finding, WireStats } from '../protocol';
import type { LayerResult } from './store';

/** The gradient a layer is judged by: dW (or dgamma) when it has weights, else dx. */
export function mainGradient(layer: LayerResult): { name: string; stats: WireStats } | null {
  const param = layer.grads.W ? 'W' : layer.grads.gamma ? 'gamma' : null;
  if (param) return { name: `d${param}`, stats: layer.grads[param].stats };
  return layer.dx ? { name: 'dx', stats: layer.dx.stats } : null;
}

/** ‖dW‖ / ‖W‖ (or gamma's), the relative size of an update. */
export function gradToWeight(layer: LayerResult): number | null {
  const param = layer.grads.W ? 'W' : layer.grads.gamma ? 'gamma' : null;
  if (!param) return null;
  const w = layer.params[param]?.stats.l2;
  const g = layer.grads[param].stats.l2;
  return w && g !== null ? g / w : null;
}

/** The words of the CodeLens line, each filled with its figure (already formatted). */
export interface LensWords {
  /** `dead 12%`: a ReLU's units dead for the whole batch. */
  dead(percent: string): string;
  /** `dead filters 12%`: a convolution's ReLU, by filter. */
  deadFilters(percent: string): string;
  /** `masked 50%`: a Dropout's or pooling layer's mask. */
  masked(percent: string): string;
  /** `check ok`. */
  checkOk(): string;
  /** `check FAIL (max rel 1.95)`. */
  checkFailed(maxRelError: string): string;
}

/** `ok`, or `FAIL` with the worst relative error, over every checked parameter; null when unchecked. */
function checkText(layer: LayerResult, words: LensWords): string | null {
  const checks = Object.values(layer.checks);
  if (checks.length === 0) return null;
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return words.checkOk();
  return words.checkFailed(fmt(Math.max(...failed.map((c) => c.maxRelError))));
}

/** The dead or masked share of a layer with a mask. */
function maskText(layer: LayerResult, words: LensWords): string | null {
  const mask = layer.maskStats;
  if (!mask) return null;
  if (layer.info.type !== 'relu') return words.masked(fmtPercent(mask.maskedFraction));
  return (mask.unit === 'filter' ? words.deadFilters : words.dead)(fmtPercent(mask.deadFraction));
}

/** The CodeLens line, e.g. `‖dW‖ 3.1e-2 · dead 12% · check ok`. */
export function lensLine(layer: LayerResult, findings: readonly Finding[], words: LensWords): string {
  const parts: string[] = [];
  const grad = mainGradient(layer);
  if (grad) parts.push(`‖${grad.name}‖ ${fmt(grad.stats.l2)}`);
  const mask = maskText(layer, words);
  if (mask) parts.push(mask);
  const check = checkText(layer, words);
  if (check) parts.push(check);
  // A failed check already reads `check FAIL (…)`; its finding would only say so again.
  const others = check ? findings.filter((f) => f.kind !== 'check-failed') : findings;
  if (others.length > 0) parts.push(`⚠ ${others.map((f) => f.kind).join(', ')}`);
  return parts.join(' · ');
}

/** Static facts: `affine · 3×784 → 3×50 · 39,250 params`, `params` saying the count in the caller's words. */
export function staticLine(type: string, inShape: readonly number[], outShape: readonly number[], paramCount: number, params: (count: string) => string): string {
  return `${type} · ${fmtShape(inShape)} → ${fmtShape(outShape)} · ${params(fmtCount(paramCount))}`;
}
