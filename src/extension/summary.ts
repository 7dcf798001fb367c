// One layer's last-run figures as text, shared by hovers and CodeLens so both say the same thing.
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

/** `ok`, or `FAIL` with the worst relative error, over every checked parameter; null when unchecked. */
export function checkText(layer: LayerResult): string | null {
  const checks = Object.values(layer.checks);
  if (checks.length === 0) return null;
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return 'check ok';
  return `check FAIL (max rel ${fmt(Math.max(...failed.map((c) => c.maxRelError)))})`;
}

/** The CodeLens line, e.g. `‖dW‖ 3.1e-2 · dead 12% · check ok`. */
export function lensLine(layer: LayerResult, findings: readonly Finding[]): string {
  const parts: string[] = [];
  const grad = mainGradient(layer);
  if (grad) parts.push(`‖${grad.name}‖ ${fmt(grad.stats.l2)}`);
  if (layer.maskStats) parts.push(layer.info.type === 'relu' ? `dead ${layer.maskStats.unit === 'filter' ? 'filters ' : ''}${fmtPercent(layer.maskStats.deadFraction)}` : `masked ${fmtPercent(layer.maskStats.maskedFraction)}`);
  const check = checkText(layer);
  if (check) parts.push(check);
  // A failed check already reads `check FAIL (…)`; its finding would only say so again.
  const others = check ? findings.filter((f) => f.kind !== 'check-failed') : findings;
  if (others.length > 0) parts.push(`⚠ ${others.map((f) => f.kind).join(', ')}`);
  return parts.join(' · ');
}

/** Static facts: `affine · 3×784 → 3×50 · 39,250 params`. */
export function staticLine(type: string, inShape: readonly number[], outShape: readonly number[], paramCount: number): string {
  return `${type} · ${fmtShape(inShape)} → ${fmtShape(outShape)} · ${fmtCount(paramCount)} params`;
}
